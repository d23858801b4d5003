/**
 * Typed frames that flow between the pipeline stages. The pipeline sees only PCM,
 * text and control frames; it knows nothing of SIP, RTP or codecs.
 */

/** One frame of 16-bit signed linear PCM, mono. */
export interface AudioFrame {
  readonly kind: 'audio';
  /** Samples, mono, 16-bit signed. Usually 20 ms worth at `sampleRate`. */
  readonly pcm: Int16Array;
  /** Samples per second (Hz): 8000, 16000, 24000 or 48000. */
  readonly sampleRate: number;
  /** Capture time of the first sample on the pipeline clock (ms). */
  readonly timestampMs: number;
}

/** A piece of text: a transcript, an LLM delta or a sentence sent to TTS. */
export interface TextFrame {
  readonly kind: 'text';
  readonly role: 'user' | 'assistant';
  readonly text: string;
  /** True when the text will not be revised any more (STT final, complete sentence). */
  readonly final: boolean;
  /** Pipeline clock time (ms). */
  readonly timestampMs: number;
}

/** Control frames: turn boundaries, barge-in, DTMF and end of an utterance. */
export type ControlFrame =
  | { readonly kind: 'control'; readonly type: 'speech-start'; readonly timestampMs: number }
  | { readonly kind: 'control'; readonly type: 'speech-end'; readonly timestampMs: number }
  | { readonly kind: 'control'; readonly type: 'interrupt'; readonly timestampMs: number }
  | { readonly kind: 'control'; readonly type: 'flush'; readonly timestampMs: number }
  | { readonly kind: 'control'; readonly type: 'dtmf'; readonly digit: string; readonly timestampMs: number }
  | { readonly kind: 'control'; readonly type: 'end-of-utterance'; readonly timestampMs: number };

/** Any frame. */
export type Frame = AudioFrame | TextFrame | ControlFrame;

/** Duration of one pipeline audio frame (ms). Fixed: 20 ms, as RTP ptime. */
export const FRAME_MS = 20;

/** Call sample rates the pipeline accepts (Hz). */
export type CallSampleRate = 8000 | 16000 | 24000 | 48000;

/** Number of samples in one 20 ms frame at `sampleRate` (Hz). */
export function samplesPerFrame(sampleRate: number): number {
  return Math.round((sampleRate * FRAME_MS) / 1000);
}

/** Builds an {@link AudioFrame}. */
export function audioFrame(pcm: Int16Array, sampleRate: number, timestampMs: number): AudioFrame {
  return { kind: 'audio', pcm, sampleRate, timestampMs };
}
