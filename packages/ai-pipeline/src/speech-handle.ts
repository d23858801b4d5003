import { FRAME_MS } from './frames.js';

/** Lifecycle of one assistant utterance. */
export type SpeechHandleState = 'pending' | 'speaking' | 'done' | 'interrupted';

/** Options of {@link SpeechHandle}. */
export interface SpeechHandleOptions {
  /** Unique id within the call. */
  readonly id: number;
  /** Whether caller speech / DTMF may interrupt this utterance. Default true. */
  readonly allowInterruptions?: boolean;
  /**
   * Called synchronously by {@link SpeechHandle.interrupt} to flush the output queue
   * (the pipeline emits 'clear' here, and the daemon drops queued RTP).
   */
  readonly onFlush?: () => void;
}

interface Segment {
  readonly text: string;
  readonly startFrame: number;
  endFrame: number | undefined;
}

/**
 * One assistant utterance. Its AbortController is shared by the LLM stream and the TTS
 * streams producing it, so {@link SpeechHandle.interrupt} stops generation and flushes
 * the output in one synchronous motion. It also tracks which frames the caller actually
 * heard, so the conversation history keeps only the heard part of an interrupted reply.
 */
export class SpeechHandle {
  /** Unique id within the call. */
  readonly id: number;
  /** Whether caller speech / DTMF may interrupt this utterance. */
  readonly allowInterruptions: boolean;
  private readonly controller = new AbortController();
  private readonly onFlush: (() => void) | undefined;
  private readonly segments: Segment[] = [];
  private readonly frameStartMs: number[] = [];
  private playoutCursorMs = 0;
  private acked = 0;
  private ackSeen = false;
  private stateValue: SpeechHandleState = 'pending';
  private generationDone = false;

  constructor(options: SpeechHandleOptions) {
    this.id = options.id;
    this.allowInterruptions = options.allowInterruptions ?? true;
    this.onFlush = options.onFlush;
  }

  /** Aborted on interrupt; pass it to every provider call made for this utterance. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Current lifecycle state. */
  get state(): SpeechHandleState {
    return this.stateValue;
  }

  /** True once interrupted. */
  get interrupted(): boolean {
    return this.stateValue === 'interrupted';
  }

  /** Frames emitted to the output so far. */
  get framesEmitted(): number {
    return this.frameStartMs.length;
  }

  /** Time (ms) at which the last emitted frame finishes playing, assuming real-time playout. */
  get playoutEndMs(): number {
    return this.playoutCursorMs;
  }

  /** True when generation finished and nothing more will be emitted. */
  get generationFinished(): boolean {
    return this.generationDone;
  }

  /** Starts a text segment (one sentence): the next frames emitted belong to it. */
  beginSegment(text: string): void {
    this.closeSegment();
    this.segments.push({ text, startFrame: this.framesEmitted, endFrame: undefined });
  }

  /** Records one 20 ms frame emitted to the output at `nowMs`. */
  recordFrame(nowMs: number): void {
    if (this.stateValue === 'pending') this.stateValue = 'speaking';
    const start = Math.max(this.playoutCursorMs, nowMs);
    this.frameStartMs.push(start);
    this.playoutCursorMs = start + FRAME_MS;
  }

  /** Playback acknowledgement: `frames` more frames were actually played / sent. */
  markPlayed(frames: number): void {
    this.ackSeen = true;
    this.acked = Math.min(this.framesEmitted, this.acked + Math.max(0, frames));
  }

  /**
   * Frames the caller has heard by `nowMs`: the acknowledged count when the output
   * acknowledges playback, else the frames whose real-time playout has started.
   */
  playedFrames(nowMs: number): number {
    if (this.ackSeen) return this.acked;
    let n = 0;
    while (n < this.frameStartMs.length && (this.frameStartMs[n] ?? Infinity) < nowMs) n++;
    return n;
  }

  /** Marks generation complete (all text synthesised and emitted). */
  finishGeneration(): void {
    this.closeSegment();
    this.generationDone = true;
    if (this.stateValue === 'pending' || this.stateValue === 'speaking') this.stateValue = 'done';
  }

  /**
   * Interrupts: aborts the signal (LLM and TTS streams), then flushes the output
   * synchronously. Idempotent.
   * @param reason abort reason, for logs. Default 'interrupted'.
   * @param flush whether to flush queued output. Default true.
   * @returns true if this call interrupted the utterance
   */
  interrupt(reason = 'interrupted', flush = true): boolean {
    if (this.stateValue === 'interrupted') return false;
    this.closeSegment();
    this.stateValue = 'interrupted';
    this.controller.abort(new DOMException(reason, 'AbortError'));
    if (flush) this.onFlush?.();
    return true;
  }

  /** The full text of every segment begun so far. */
  get fullText(): string {
    return this.segments.map((s) => s.text).join(' ');
  }

  /**
   * The text the caller heard by `nowMs`: whole sentences fully played, plus the
   * proportional share of words of a sentence cut mid-way.
   */
  heardText(nowMs: number): string {
    const played = this.playedFrames(nowMs);
    const parts: string[] = [];
    for (const seg of this.segments) {
      const end = seg.endFrame ?? this.framesEmitted;
      if (end <= seg.startFrame || played <= seg.startFrame) continue;
      if (played >= end) {
        parts.push(seg.text);
        continue;
      }
      const words = seg.text.split(/\s+/).filter(Boolean);
      const n = Math.floor((words.length * (played - seg.startFrame)) / (end - seg.startFrame));
      if (n > 0) parts.push(words.slice(0, n).join(' '));
    }
    return parts.join(' ');
  }

  private closeSegment(): void {
    const last = this.segments[this.segments.length - 1];
    if (last && last.endFrame === undefined) last.endFrame = this.framesEmitted;
  }
}
