import type { Clock, TimerHandle } from '../clock.js';

/** A set of one-shot timers by name on a {@link Clock}; setting a name replaces its timer. */
export class NamedTimers<Name extends string> {
  private readonly handles = new Map<Name, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** (Re)arms `name` to call `fn` after `ms`. */
  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    const h = this.clock.setTimer(() => {
      this.handles.delete(name);
      fn();
    }, ms);
    this.handles.set(name, h);
  }

  /** Cancels `name`. */
  clear(name: Name): void {
    const h = this.handles.get(name);
    if (h !== undefined) this.clock.clearTimer(h);
    this.handles.delete(name);
  }

  /** True when `name` is armed. */
  has(name: Name): boolean {
    return this.handles.has(name);
  }

  /** Cancels all. */
  clearAll(): void {
    for (const h of this.handles.values()) this.clock.clearTimer(h);
    this.handles.clear();
  }
}
