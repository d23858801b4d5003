import { Resampler } from '../audio/resample.js';
import { FrameChunker } from '../audio/frame-chunker.js';
import type { Clock } from '../clock.js';
import { ProviderError, isAbortError } from '../errors.js';
import { iterateWithTimeouts, withRetry, type RetryPolicy, type StreamTimeouts } from '../retry.js';
import type { SpeechHandle } from '../speech-handle.js';
import type { TtsChunk, TtsProvider } from '../tts/types.js';

/** Dependencies of {@link TtsPlayer}. */
export interface TtsPlayerDeps {
  readonly tts: TtsProvider;
  readonly clock: Clock;
  /** Call rate (Hz). */
  readonly sampleRate: number;
  readonly language?: string;
  readonly retry: RetryPolicy;
  readonly timeouts: StreamTimeouts;
  /** Emits one 20 ms frame to the output (already recorded on the handle by the player). */
  readonly emitFrame: (pcm: Int16Array) => void;
  /** First audio chunk of this utterance arrived. */
  readonly onFirstAudio?: () => void;
  /** A retryable failure that will be retried. */
  readonly onRetry?: (error: ProviderError) => void;
}

/** Buffered synthesis of one sentence, started ahead of playback (prefetch). */
class SynthJob {
  readonly chunks: TtsChunk[] = [];
  done = false;
  error: unknown;
  private wake: (() => void) | undefined;

  constructor(
    readonly text: string,
    run: (push: (c: TtsChunk) => void) => Promise<void>,
  ) {
    run((c) => {
      this.chunks.push(c);
      this.notify();
    }).then(
      () => this.finish(undefined),
      (e: unknown) => this.finish(e ?? new Error('tts failed')),
    );
  }

  /** Yields buffered chunks as they arrive; throws the synthesis error, if any. */
  async *drain(): AsyncGenerator<TtsChunk> {
    let i = 0;
    for (;;) {
      while (i < this.chunks.length) yield this.chunks[i++] as TtsChunk;
      if (this.done) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.error !== undefined) throw this.error;
  }

  private finish(error: unknown): void {
    this.error = error;
    this.done = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/**
 * Plays sentences of one utterance in order: synthesises each (the next one is
 * prefetched while the current one plays), resamples if the provider's rate differs
 * from the call's, cuts 20 ms frames and emits them while the handle is not interrupted.
 */
export class TtsPlayer {
  private readonly queue: string[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private firstAudioSeen = false;

  constructor(
    private readonly deps: TtsPlayerDeps,
    private readonly handle: SpeechHandle,
  ) {}

  /** Queues a sentence. */
  enqueue(sentence: string): void {
    this.queue.push(sentence);
    this.notify();
  }

  /** No more sentences will be queued. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Plays everything queued until {@link TtsPlayer.end}; rejects with a ProviderError on failure. */
  async run(): Promise<void> {
    const onAbort = (): void => this.notify();
    this.handle.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loop();
    } finally {
      this.handle.signal.removeEventListener('abort', onAbort);
    }
  }

  private async loop(): Promise<void> {
    let next: SynthJob | undefined;
    for (;;) {
      const job = next ?? (await this.nextJob());
      next = undefined;
      if (!job) return;
      if (this.queue.length > 0) next = this.startJob(this.queue.shift() as string);
      await this.play(job);
      if (this.handle.interrupted) return;
    }
  }

  private async nextJob(): Promise<SynthJob | undefined> {
    while (this.queue.length === 0) {
      if (this.ended || this.handle.interrupted) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return this.startJob(this.queue.shift() as string);
  }

  private startJob(text: string): SynthJob {
    const { tts, clock, sampleRate, language, retry, timeouts } = this.deps;
    const signal = this.handle.signal;
    return new SynthJob(text, (push) =>
      withRetry(
        'tts',
        async () => {
          let produced = false;
          try {
            const stream = iterateWithTimeouts(
              'tts',
              (s) => tts.synthesize({ text, sampleRate, language, signal: s }),
              { ...timeouts, clock, parent: signal },
            );
            for await (const chunk of stream) {
              produced = true;
              push(chunk);
            }
          } catch (error) {
            if (produced && error instanceof ProviderError) {
              throw new ProviderError('tts', error.message, false, { cause: error });
            }
            throw error;
          }
        },
        { ...retry, clock, signal, onRetry: this.deps.onRetry },
      ),
    );
  }

  private async play(job: SynthJob): Promise<void> {
    const chunker = new FrameChunker(this.deps.sampleRate);
    let resampler: Resampler | undefined;
    let begun = false;
    try {
      for await (const chunk of job.drain()) {
        if (this.handle.interrupted) return;
        if (!this.firstAudioSeen) {
          this.firstAudioSeen = true;
          this.deps.onFirstAudio?.();
        }
        if (!begun) {
          this.handle.beginSegment(job.text);
          begun = true;
        }
        let pcm = chunk.pcm;
        if (chunk.sampleRate !== this.deps.sampleRate) {
          resampler ??= new Resampler(chunk.sampleRate, this.deps.sampleRate);
          pcm = resampler.process(pcm);
        }
        for (const frame of chunker.push(pcm)) this.emit(frame);
      }
    } catch (error) {
      if (this.handle.interrupted || isAbortError(error)) return;
      throw error;
    }
    if (resampler) for (const frame of chunker.push(resampler.flush())) this.emit(frame);
    const last = chunker.flush();
    if (last) this.emit(last);
  }

  private emit(frame: Int16Array): void {
    if (this.handle.interrupted) return;
    this.handle.recordFrame(this.deps.clock.now());
    this.deps.emitFrame(frame);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
