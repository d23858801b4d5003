import type { Clock, TimerHandle } from '../clock.js';

interface FakeTimer {
  readonly fn: () => void;
  readonly dueMs: number;
  /** Insertion order: timers due at the same instant fire in scheduling order. */
  readonly seq: number;
  cancelled: boolean;
}

/**
 * A deterministic {@link Clock} for tests (ARCHITECTURE.md habit 3). Time only moves when
 * {@link FakeClock.advance} is called; due timers then fire in due-time order, including
 * timers scheduled by other timers while advancing, each seeing `now()` equal to its due time.
 */
export class FakeClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  /** @param startMs Initial value of `now()`. Default 0 ms. */
  constructor(startMs = 0) {
    this.nowMs = startMs;
  }

  /** Current fake time in milliseconds. */
  now(): number {
    return this.nowMs;
  }

  /** Schedule `fn` after `delayMs` (negative delays count as 0). */
  setTimer(fn: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = {
      fn,
      dueMs: this.nowMs + Math.max(0, delayMs),
      seq: this.seq++,
      cancelled: false,
    };
    this.timers.push(timer);
    return timer;
  }

  /** Cancel a timer; a no-op for fired or unknown handles. */
  clearTimer(handle: TimerHandle): void {
    const timer = handle as FakeTimer;
    if (typeof timer === 'object' && timer !== null && 'cancelled' in timer) {
      timer.cancelled = true;
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    }
  }

  /** Number of timers scheduled and not yet fired or cleared. */
  pending(): number {
    return this.timers.length;
  }

  /**
   * Move time forward by `ms`, firing every timer due on the way in order.
   * A timer that throws still advances time; the first error is rethrown at the end.
   */
  advance(ms: number): void {
    const target = this.nowMs + Math.max(0, ms);
    let firstError: unknown;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.nowMs = next.dueMs;
      try {
        next.fn();
      } catch (err) {
        firstError ??= err;
      }
    }
    this.nowMs = target;
    if (firstError !== undefined) throw firstError;
  }

  /** Fire everything due now (equivalent to `advance(0)`). */
  flush(): void {
    this.advance(0);
  }

  private nextDue(limitMs: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.dueMs > limitMs) continue;
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
