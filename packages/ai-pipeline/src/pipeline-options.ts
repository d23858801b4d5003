import { systemClock, type Clock } from './clock.js';
import type { PipelineStage } from './errors.js';
import type { CallSampleRate } from './frames.js';
import type { LlmProvider } from './llm/types.js';
import type { TurnMetrics } from './metrics/turn-metrics.js';
import type { RetryPolicy } from './retry.js';
import type { SttProvider } from './stt/types.js';
import type { PipelineAction, ToolDefinition } from './tools/tools.js';
import type { TtsProvider } from './tts/types.js';
import type { EnergyVadOptions } from './vad/energy-vad.js';

/** Who the assistant is and how a call is paced. */
export interface Persona {
  /** System prompt of the LLM. */
  readonly systemPrompt: string;
  /** Spoken when the call starts. None: the assistant waits for the caller. */
  readonly greeting?: string;
  /** Spoken before a hang-up initiated by the pipeline (max length, silence). */
  readonly goodbye?: string;
  /** Silence after the assistant's last word before a re-prompt (ms). None: no re-prompt. */
  readonly repromptAfterMs?: number;
  /** Re-prompt text. Default "Are you still there?". */
  readonly repromptText?: string;
  /** Re-prompts before hanging up with the goodbye (reason 'silence'). Default 2. */
  readonly maxReprompts?: number;
  /** Maximum call length (ms); then the goodbye and a hang-up. None: unlimited. */
  readonly maxCallMs?: number;
  /** BCP-47 language for STT and TTS, e.g. 'en-US'. */
  readonly language?: string;
}

/** What to do when a provider fails for good. */
export interface FallbackOptions {
  /** Spoken through the TTS if it works; otherwise the daemon plays its own prompt. */
  readonly apology: string;
  /** Transfer to `target` (blind) or hang up. */
  readonly action: 'transfer' | 'hangup';
  /** Transfer destination (required for 'transfer'). */
  readonly target?: string;
}

/** Provider timeouts (ms). */
export interface PipelineTimeouts {
  /** Wait for the first LLM token. Default 5000 ms. */
  readonly llmFirstTokenMs?: number;
  /** Wait between LLM tokens. Default 5000 ms. */
  readonly llmIdleMs?: number;
  /** Wait for the first TTS audio of a sentence. Default 4000 ms. */
  readonly ttsFirstAudioMs?: number;
  /** Wait between TTS chunks. Default 4000 ms. */
  readonly ttsIdleMs?: number;
  /** Wait for the STT final after the VAD end of speech. Default 1500 ms. */
  readonly sttFinalMs?: number;
}

/** Minimal pino-compatible logger. */
export interface PipelineLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of `VoicePipeline`. */
export interface VoicePipelineOptions {
  readonly stt: SttProvider;
  readonly llm: LlmProvider;
  readonly tts: TtsProvider;
  /** Call audio rate (Hz), in and out. Frames are 20 ms. */
  readonly sampleRate: CallSampleRate;
  /** Time source. Default the system clock. */
  readonly clock?: Clock;
  readonly persona: Persona;
  /** Caller speech and DTMF interrupt the assistant. Default true. */
  readonly allowInterruptions?: boolean;
  /** Webhook / function tools besides the built-ins. Default none. */
  readonly tools?: readonly ToolDefinition[];
  /** Default: a generic apology, then hang up. */
  readonly fallback?: FallbackOptions;
  readonly logger?: PipelineLogger;
  /** VAD tuning; default minSpeechMs 200 ms, minSilenceMs 500 ms. */
  readonly vad?: Partial<Omit<EnergyVadOptions, 'sampleRate'>>;
  readonly timeouts?: PipelineTimeouts;
  /** Retries of retryable provider errors. Default 2 retries, 250 ms backoff doubling. */
  readonly retry?: RetryPolicy;
  /** DTMF input ends after this much time without a key, or on '#' (ms). Default 2000 ms. */
  readonly dtmfInterDigitMs?: number;
  /** History messages sent to the LLM besides the system prompt. Default 60. */
  readonly maxHistoryMessages?: number;
}

/** A transcript line. */
export interface TranscriptEvent {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  readonly final: boolean;
  /** Pipeline clock time (ms). */
  readonly atMs: number;
}

/** A provider failure report. */
export interface PipelineErrorEvent {
  readonly stage: PipelineStage;
  readonly error: Error;
  /** True when the pipeline will retry / the session recovers by itself. */
  readonly retryable: boolean;
}

/** Events of `VoicePipeline`, name -> listener arguments. */
export interface VoicePipelineEvents {
  /** Assistant speech: one 20 ms frame of 16-bit mono PCM at the call rate. */
  audio: [pcm: Int16Array];
  /** Barge-in: drop everything queued for playout now. */
  clear: [];
  action: [action: PipelineAction];
  transcript: [event: TranscriptEvent];
  'turn-metrics': [metrics: TurnMetrics];
  error: [event: PipelineErrorEvent];
}

const noop = (): void => undefined;
/** A logger that drops everything. */
export const silentLogger: PipelineLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** Options with defaults applied. */
export interface ResolvedPipelineOptions extends VoicePipelineOptions {
  readonly clock: Clock;
  readonly allowInterruptions: boolean;
  readonly tools: readonly ToolDefinition[];
  readonly fallback: FallbackOptions;
  readonly logger: PipelineLogger;
  readonly timeouts: Required<PipelineTimeouts>;
  readonly retry: RetryPolicy;
  readonly dtmfInterDigitMs: number;
  readonly maxHistoryMessages: number;
}

/** Applies defaults and freezes. */
export function resolveOptions(o: VoicePipelineOptions): ResolvedPipelineOptions {
  return Object.freeze({
    ...o,
    clock: o.clock ?? systemClock,
    allowInterruptions: o.allowInterruptions ?? true,
    tools: o.tools ?? [],
    fallback: o.fallback ?? {
      apology: "I'm sorry, I'm having technical difficulties. Please call back later.",
      action: 'hangup' as const,
    },
    logger: o.logger ?? silentLogger,
    timeouts: {
      llmFirstTokenMs: 5000,
      llmIdleMs: 5000,
      ttsFirstAudioMs: 4000,
      ttsIdleMs: 4000,
      sttFinalMs: 1500,
      ...o.timeouts,
    },
    retry: o.retry ?? {},
    dtmfInterDigitMs: o.dtmfInterDigitMs ?? 2000,
    maxHistoryMessages: o.maxHistoryMessages ?? 60,
  });
}

/** The action a fallback ends with: a blind transfer to the target, else a hang-up. */
export function fallbackAction(fallback: FallbackOptions): PipelineAction {
  return fallback.action === 'transfer' && fallback.target
    ? { type: 'transfer', target: fallback.target, mode: 'blind' }
    : { type: 'hangup', reason: 'provider-failure' };
}
