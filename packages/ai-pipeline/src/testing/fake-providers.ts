import { sleep, type Clock } from '../clock.js';
import type { ProviderError } from '../errors.js';
import { samplesPerFrame } from '../frames.js';
import type { LlmChunk, LlmProvider, LlmRequest } from '../llm/types.js';
import type { SttProvider, SttSession, SttSink, SttStartOptions, SttTranscript } from '../stt/types.js';
import type { TtsChunk, TtsProvider, TtsRequest } from '../tts/types.js';

/**
 * In-memory STT: the test drives transcripts with {@link ScriptedStt.say}. Optionally
 * answers every VAD end of speech with `onSpeechEnded` (e.g. a final transcript).
 */
export class ScriptedStt implements SttProvider {
  readonly name = 'scripted-stt';
  sink: SttSink | undefined;
  options: SttStartOptions | undefined;
  framesReceived = 0;
  speechEndedCount = 0;
  closed = false;
  /** Transcript returned on each VAD end of speech, in order. */
  readonly onSpeechEndedQueue: SttTranscript[] = [];

  start(options: SttStartOptions, sink: SttSink): SttSession {
    this.options = options;
    this.sink = sink;
    return {
      sendAudio: () => void this.framesReceived++,
      speechStarted: () => undefined,
      speechEnded: () => {
        this.speechEndedCount++;
        const next = this.onSpeechEndedQueue.shift();
        if (next) queueMicrotask(() => this.sink?.onTranscript(next));
      },
      close: () => {
        this.closed = true;
        return Promise.resolve();
      },
    };
  }

  /** Delivers a transcript now. Default: final, end of turn. */
  say(text: string, final = true, endOfTurn = final): void {
    this.sink?.onTranscript({ text, final, endOfTurn });
  }
}

/** One scripted LLM answer: chunks (strings are text deltas) or an error to throw. */
export type ScriptedLlmTurn =
  readonly (LlmChunk | string)[] | { readonly error: ProviderError } | { readonly hang: true };

/** In-memory LLM answering from a script, one entry per request; records requests. */
export class ScriptedLlm implements LlmProvider {
  readonly name = 'scripted-llm';
  readonly requests: LlmRequest[] = [];
  /** Fallback answer when the script is exhausted. */
  defaultAnswer: readonly (LlmChunk | string)[] = ['OK.'];
  /** Simulated time to first token (ms on `clock`). Default 0: none. */
  firstTokenDelayMs = 0;

  /** @param clock needed only for `firstTokenDelayMs` */
  constructor(
    readonly script: ScriptedLlmTurn[] = [],
    readonly clock?: Clock,
  ) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    this.requests.push({ ...request, messages: [...request.messages] });
    const turn = this.script.shift() ?? this.defaultAnswer;
    if ('error' in turn) throw turn.error;
    if ('hang' in turn) {
      await new Promise<void>((_, reject) =>
        request.signal.addEventListener('abort', () => reject(request.signal.reason as Error)),
      );
      return;
    }
    if (this.firstTokenDelayMs > 0 && this.clock)
      await sleep(this.clock, this.firstTokenDelayMs, request.signal);
    for (const c of turn as readonly (LlmChunk | string)[]) {
      await Promise.resolve();
      if (request.signal.aborted) throw request.signal.reason as Error;
      yield typeof c === 'string' ? { type: 'text', text: c } : c;
    }
  }
}

/**
 * In-memory TTS: `framesPerSentence` 20 ms frames of a constant non-zero level per
 * sentence, at `outputRate` (default: the requested rate). `failures` makes the next
 * requests throw.
 */
export class ScriptedTts implements TtsProvider {
  readonly name = 'scripted-tts';
  readonly requests: string[] = [];
  readonly failures: ProviderError[] = [];
  /** When true, every request waits for abort (a hung provider). */
  hang = false;
  /** Simulated time to first audio (ms on `clock`). Default 0: none. */
  firstAudioDelayMs = 0;

  /** @param clock needed only for `firstAudioDelayMs` */
  constructor(
    readonly framesPerSentence = 10,
    readonly outputRate?: number,
    readonly clock?: Clock,
  ) {}

  async *synthesize(request: TtsRequest): AsyncIterable<TtsChunk> {
    this.requests.push(request.text);
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.hang) {
      await new Promise<void>((_, reject) =>
        request.signal.addEventListener('abort', () => reject(request.signal.reason as Error)),
      );
    }
    if (this.firstAudioDelayMs > 0 && this.clock)
      await sleep(this.clock, this.firstAudioDelayMs, request.signal);
    const rate = this.outputRate ?? request.sampleRate;
    const n = samplesPerFrame(rate);
    for (let i = 0; i < this.framesPerSentence; i++) {
      await Promise.resolve();
      if (request.signal.aborted) throw request.signal.reason as Error;
      yield { pcm: new Int16Array(n).fill(1000), sampleRate: rate };
    }
  }
}
