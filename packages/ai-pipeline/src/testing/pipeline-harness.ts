import type { TurnMetrics } from '../metrics/turn-metrics.js';
import type { PipelineErrorEvent, TranscriptEvent, VoicePipelineOptions } from '../pipeline-options.js';
import { VoicePipeline } from '../pipeline.js';
import type { PipelineAction } from '../tools/tools.js';
import { noiseFrame, toneFrame } from './audio.js';
import { FakeClock, flushMicrotasks } from './fake-clock.js';
import { ScriptedLlm, ScriptedStt, ScriptedTts, type ScriptedLlmTurn } from './fake-providers.js';

/** Everything a pipeline emitted, with fake-clock timestamps (ms). */
export interface RecordedEvents {
  audioAtMs: number[];
  audioSamples: number[];
  clearAtMs: number[];
  actions: PipelineAction[];
  transcripts: TranscriptEvent[];
  metrics: TurnMetrics[];
  errors: PipelineErrorEvent[];
}

/** A pipeline on a fake clock with in-memory providers, and helpers to talk to it. */
export interface PipelineHarness {
  readonly clock: FakeClock;
  readonly stt: ScriptedStt;
  readonly llm: ScriptedLlm;
  readonly tts: ScriptedTts;
  readonly pipeline: VoicePipeline;
  readonly events: RecordedEvents;
  /** Pushes `ms` of caller speech (tone), one frame per 20 ms of fake time. */
  speak(ms: number): Promise<void>;
  /** Pushes `ms` of line noise. */
  silence(ms: number): Promise<void>;
}

/** Builds a {@link PipelineHarness}; `options` override the defaults (8 kHz, no greeting). */
export function createPipelineHarness(
  options: Partial<VoicePipelineOptions> & { llmScript?: ScriptedLlmTurn[]; ttsFrames?: number } = {},
): PipelineHarness {
  const clock = new FakeClock(0);
  const stt = new ScriptedStt();
  const llm = new ScriptedLlm(options.llmScript ?? [], clock);
  const tts = new ScriptedTts(options.ttsFrames ?? 10, undefined, clock);
  const pipeline = new VoicePipeline({
    stt,
    llm,
    tts,
    sampleRate: 8000,
    clock,
    persona: { systemPrompt: 'You are a test assistant.' },
    ...options,
  });
  const events: RecordedEvents = {
    audioAtMs: [],
    audioSamples: [],
    clearAtMs: [],
    actions: [],
    transcripts: [],
    metrics: [],
    errors: [],
  };
  pipeline.on('audio', (pcm) => {
    events.audioAtMs.push(clock.now());
    events.audioSamples.push(pcm.length);
  });
  pipeline.on('clear', () => events.clearAtMs.push(clock.now()));
  pipeline.on('action', (a) => events.actions.push(a));
  pipeline.on('transcript', (t) => events.transcripts.push(t));
  pipeline.on('turn-metrics', (m) => events.metrics.push(m));
  pipeline.on('error', (e) => events.errors.push(e));
  const rate = pipeline.sampleRate;
  let frameIndex = 0;
  const push = async (ms: number, frame: () => Int16Array): Promise<void> => {
    for (let t = 0; t < ms; t += 20) {
      await clock.advanceAsync(20);
      pipeline.pushAudio(frame());
      await flushMicrotasks(2);
    }
  };
  return {
    clock,
    stt,
    llm,
    tts,
    pipeline,
    events,
    speak: (ms) => push(ms, () => toneFrame(rate, 8000, 300, frameIndex++)),
    silence: (ms) => push(ms, () => noiseFrame(rate, 30, ++frameIndex)),
  };
}
