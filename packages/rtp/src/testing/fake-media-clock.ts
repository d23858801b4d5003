/** Manually advanced {@link MediaClock} for unit tests: no timers, no sleeps. */
import type { MediaClock, MediaTickHandler, MediaTickPhase } from '../session/media-clock.js';

interface Scheduled {
  readonly atMs: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A media clock driven by {@link FakeMediaClock.advance}. Starts at `startMs` (default 0).
 * Besides periodic ticks it runs one-shot callbacks scheduled with {@link FakeMediaClock.at}
 * (e.g. delayed packet deliveries), all in time order.
 */
export class FakeMediaClock implements MediaClock {
  readonly periodMs: number;
  private current: number;
  private nextTick: number;
  private readonly sendHandlers = new Set<MediaTickHandler>();
  private readonly workHandlers = new Set<MediaTickHandler>();
  private scheduled: Scheduled[] = [];
  private seq = 0;

  constructor(opts: { periodMs?: number; startMs?: number } = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.current = opts.startMs ?? 0;
    this.nextTick = this.current + this.periodMs;
  }

  now(): number {
    return this.current;
  }

  subscribe(handler: MediaTickHandler, phase: MediaTickPhase = 'work'): () => void {
    const set = phase === 'send' ? this.sendHandlers : this.workHandlers;
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Number of subscribed handlers (both phases). */
  get subscribers(): number {
    return this.sendHandlers.size + this.workHandlers.size;
  }

  /** Run `fn` once when time reaches `atMs` (callbacks at a tick's time run before the tick). */
  at(atMs: number, fn: () => void): void {
    this.scheduled.push({ atMs: Math.max(atMs, this.current), seq: this.seq++, fn });
    this.scheduled.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  }

  /** Move time forward by `ms`, running due callbacks and every tick whose deadline is reached. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const event = this.scheduled[0];
      if (event && event.atMs <= end && event.atMs <= this.nextTick) {
        this.scheduled.shift();
        this.current = event.atMs;
        event.fn();
        continue;
      }
      if (this.nextTick > end) break;
      this.current = this.nextTick;
      this.nextTick += this.periodMs;
      // As DeadlineMediaClock: every send-phase handler, then every work-phase handler.
      for (const h of [...this.sendHandlers]) h(this.current);
      for (const h of [...this.workHandlers]) h(this.current);
    }
    this.current = end;
  }

  /** Run `n` ticks. */
  tick(n = 1): void {
    this.advance(this.nextTick - this.current + (n - 1) * this.periodMs);
  }
}
