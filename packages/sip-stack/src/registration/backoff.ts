/** Retry delays after a failed registration: exponential backoff with jitter. */

/** Retry tuning. */
export interface RetryOptions {
  /** First retry delay. Default 2000 ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay. Default 60 000 ms. */
  readonly maxDelayMs?: number;
  /** Random spread as a fraction of the delay (0.2 = ±20 %). Default 0.2. */
  readonly jitter?: number;
}

/**
 * Delay before retry number `attempt` (1-based): initial * 2^(attempt-1), capped at the
 * maximum, then spread by ±jitter. `random` defaults to Math.random (tests inject it).
 */
export function retryDelayMs(
  attempt: number,
  opts: RetryOptions = {},
  random: () => number = Math.random,
): number {
  const initial = opts.initialDelayMs ?? 2000;
  const max = opts.maxDelayMs ?? 60_000;
  const jitter = opts.jitter ?? 0.2;
  const base = Math.min(max, initial * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}
