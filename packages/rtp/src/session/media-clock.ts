/**
 * The pacing clock for RTP send and playout: ONE deadline-driven timer shared by every
 * session. Tick n fires at `start + n * periodMs` (absolute deadlines, so no drift
 * accumulates as it would with `setInterval`), and all subscribed handlers run in the
 * same timer callback, in two phases: every `send` handler first (what leaves on the wire
 * at this deadline: apps topping up their queues, then each session's packet), then every
 * `work` handler (playout, decoding, timeouts, RTCP). With hundreds of calls the packets
 * of one tick thus leave in one short burst instead of each waiting for the decoding of
 * the sessions before it.
 */

/** Handler run on every tick; `nowMs` is the tick's deadline on the clock's time base. */
export type MediaTickHandler = (nowMs: number) => void;

/** When in a tick a handler runs: all `send` handlers, then all `work` handlers. */
export type MediaTickPhase = 'send' | 'work';

/** A periodic media clock (injectable; see `FakeMediaClock` in `../testing`). */
export interface MediaClock {
  /** Tick period in ms (20 by default). */
  readonly periodMs: number;
  /** Current time in ms on the clock's monotonic time base. */
  now(): number;
  /**
   * Run `handler` on every tick until the returned function is called; within a phase
   * (default `work`) handlers run in subscription order.
   */
  subscribe(handler: MediaTickHandler, phase?: MediaTickPhase): () => void;
}

/** Options of {@link DeadlineMediaClock}. */
export interface DeadlineMediaClockOptions {
  /** Tick period. Default 20 ms. */
  periodMs?: number;
  /**
   * After an event-loop stall, run at most this many overdue ticks back to back, then
   * skip ahead to the next future deadline. Default 5 (100 ms of catch-up at 20 ms).
   */
  maxCatchUpTicks?: number;
  /** Monotonic time source in ms. Default `performance.now()`. */
  now?: () => number;
}

/**
 * Deadline-driven shared timer. Runs only while at least one handler is subscribed.
 * A throwing handler does not stop the others (the error is reported via `onError`).
 */
export class DeadlineMediaClock implements MediaClock {
  readonly periodMs: number;
  private readonly maxCatchUp: number;
  private readonly nowFn: () => number;
  private readonly sendHandlers = new Set<MediaTickHandler>();
  private readonly workHandlers = new Set<MediaTickHandler>();
  private timer: NodeJS.Timeout | undefined;
  private startMs = 0;
  private tickIndex = 0;
  /** Called with errors thrown by tick handlers. Default: `console.error`. */
  onError: (err: unknown) => void = (err) => console.error('media clock handler failed', err);
  /** Ticks skipped after stalls longer than `maxCatchUpTicks` periods. */
  skippedTicks = 0;

  constructor(opts: DeadlineMediaClockOptions = {}) {
    this.periodMs = opts.periodMs ?? 20;
    this.maxCatchUp = opts.maxCatchUpTicks ?? 5;
    this.nowFn = opts.now ?? (() => performance.now());
  }

  now(): number {
    return this.nowFn();
  }

  subscribe(handler: MediaTickHandler, phase: MediaTickPhase = 'work'): () => void {
    const set = phase === 'send' ? this.sendHandlers : this.workHandlers;
    set.add(handler);
    if (this.timer === undefined) {
      this.startMs = this.nowFn();
      this.tickIndex = 1;
      this.schedule();
    }
    return () => {
      set.delete(handler);
      if (this.subscribers === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Handlers subscribed, both phases. */
  get subscribers(): number {
    return this.sendHandlers.size + this.workHandlers.size;
  }

  private schedule(): void {
    const delay = Math.max(0, this.startMs + this.tickIndex * this.periodMs - this.nowFn());
    this.timer = setTimeout(this.onTimer, delay);
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    const now = this.nowFn();
    const due = Math.floor((now - this.startMs) / this.periodMs);
    if (due - this.tickIndex >= this.maxCatchUp) {
      this.skippedTicks += due - this.tickIndex - this.maxCatchUp + 1;
      this.tickIndex = due - this.maxCatchUp + 1;
    }
    for (; this.tickIndex <= due; this.tickIndex++) {
      const deadline = this.startMs + this.tickIndex * this.periodMs;
      this.run(this.sendHandlers, deadline);
      this.run(this.workHandlers, deadline);
    }
    if (this.subscribers > 0) this.schedule();
    else this.timer = undefined;
  };

  private run(handlers: Set<MediaTickHandler>, deadline: number): void {
    for (const h of handlers) {
      try {
        h(deadline);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

const shared = new Map<number, DeadlineMediaClock>();

/**
 * The process-wide media clock of a period (default 20 ms), used by sessions that are not
 * given one. Sessions with a ptime that is not a multiple of 20 ms (10, 30, 50) share the
 * 10 ms clock; everything else shares the 20 ms one.
 */
export function sharedMediaClock(periodMs = 20): MediaClock {
  let clock = shared.get(periodMs);
  if (!clock) shared.set(periodMs, (clock = new DeadlineMediaClock({ periodMs })));
  return clock;
}
