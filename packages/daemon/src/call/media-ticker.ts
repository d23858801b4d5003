/**
 * One shared, drift-free ptime ticker for every call's application (prompt playback and
 * echo pacing). Deadlines are computed from an absolute start, so timer lateness never
 * accumulates, and a single timer serves all calls instead of one `setInterval` each.
 */
export class MediaTicker {
  private readonly subscribers = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private startMs = 0;
  private ticks = 0;

  constructor(
    /** Tick period, default 20 ms. */
    private readonly periodMs = 20,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Subscribes `fn`; returns the unsubscribe function. The timer runs only while someone listens. */
  add(fn: () => void): () => void {
    this.subscribers.add(fn);
    if (this.subscribers.size === 1) this.begin();
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0) this.halt();
    };
  }

  private begin(): void {
    this.startMs = performance.now();
    this.ticks = 0;
    this.schedule();
  }

  private halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.startMs + (this.ticks + 1) * this.periodMs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - performance.now()));
  }

  private fire(): void {
    const now = performance.now();
    // Catch up at most a few ticks after a stall (GC pause) instead of bursting.
    const due = Math.floor((now - this.startMs) / this.periodMs);
    if (due - this.ticks > 5) this.ticks = due - 1;
    while (this.ticks < due) {
      this.ticks++;
      for (const fn of this.subscribers) {
        try {
          fn();
        } catch (err) {
          this.onError(err);
        }
      }
    }
    if (this.subscribers.size > 0) this.schedule();
  }
}
