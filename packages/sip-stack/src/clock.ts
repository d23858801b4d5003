/**
 * Injectable time source (ARCHITECTURE.md habit 3). Transactions, registration refresh and
 * keep-alives take a `Clock` so that tests run a 32-second Timer B in a millisecond with
 * `FakeClock` from `@voice-assistant/sip-stack/testing`.
 */

/** Opaque timer handle returned by `Clock.setTimer`. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). */
  now(): number;
  /** Run `fn` once after `delayMs` milliseconds. */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  /** Cancel a timer; a no-op for an already fired or cleared handle. */
  clearTimer(handle: TimerHandle): void;
}

/** The real clock: `performance.now()` and unref'd `setTimeout` so timers never hold the process open. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
