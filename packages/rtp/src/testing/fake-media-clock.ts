/** Manually advanced {@link MediaClock} for unit tests: no timers, no sleeps. */
import type { MediaClock, MediaTickHandler } from '../session/media-clock.js';

/** A media clock driven by {@link FakeMediaClock.advance}. Starts at `startMs` (default 0). */
export class FakeMediaClock implements MediaClock {
  readonly periodMs: number;
  private current: number;
  private nextTick: number;
  private readonly handlers = new Set<MediaTickHandler>();

  constructor(opts: { periodMs?: number; startMs?: number } = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.current = opts.startMs ?? 0;
    this.nextTick = this.current + this.periodMs;
  }

  now(): number {
    return this.current;
  }

  subscribe(handler: MediaTickHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Number of subscribed handlers. */
  get subscribers(): number {
    return this.handlers.size;
  }

  /** Move time forward by `ms`, running every tick whose deadline is reached. */
  advance(ms: number): void {
    const end = this.current + ms;
    while (this.nextTick <= end) {
      this.current = this.nextTick;
      this.nextTick += this.periodMs;
      for (const h of [...this.handlers]) h(this.current);
    }
    this.current = end;
  }

  /** Run `n` ticks. */
  tick(n = 1): void {
    this.advance(this.nextTick - this.current + (n - 1) * this.periodMs);
  }
}
