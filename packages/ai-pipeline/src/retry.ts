import { sleep, type Clock } from './clock.js';
import {
  ProviderError,
  ProviderTimeoutError,
  isAbortError,
  type PipelineStage,
  toProviderError,
} from './errors.js';

/** Retry policy for provider calls. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 2. */
  readonly retries?: number;
  /** First backoff delay (ms); doubles each retry. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling (ms). Default 2000 ms. */
  readonly maxDelayMs?: number;
}

/**
 * Runs `op`, retrying retryable {@link ProviderError}s with exponential backoff on
 * `clock`. Aborts propagate immediately; non-retryable errors are thrown at once.
 */
export async function withRetry<T>(
  stage: PipelineStage,
  op: (attempt: number) => Promise<T>,
  opts: RetryPolicy & { clock: Clock; signal?: AbortSignal; onRetry?: (e: ProviderError) => void },
): Promise<T> {
  const retries = opts.retries ?? 2;
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 2000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (error) {
      if (opts.signal?.aborted || (isAbortError(error) && !(error instanceof ProviderError))) throw error;
      const pe = toProviderError(stage, error);
      if (!pe.retryable || attempt >= retries) throw pe;
      opts.onRetry?.(pe);
      await sleep(opts.clock, Math.min(max, base * 2 ** attempt), opts.signal);
    }
  }
}

/** Timeouts applied while iterating a provider stream. */
export interface StreamTimeouts {
  /** Max wait for the first item (ms). */
  readonly firstItemMs: number;
  /** Max wait between later items (ms). */
  readonly idleMs: number;
}

/**
 * Iterates the stream returned by `open(signal)`, failing with a retryable
 * {@link ProviderTimeoutError} if the first item or any later item is late. The inner
 * signal follows `parent` and is aborted on timeout so the SDK request stops.
 */
export async function* iterateWithTimeouts<T>(
  stage: PipelineStage,
  open: (signal: AbortSignal) => AsyncIterable<T>,
  opts: StreamTimeouts & { clock: Clock; parent: AbortSignal },
): AsyncGenerator<T> {
  const inner = new AbortController();
  const onParent = (): void => inner.abort(opts.parent.reason);
  opts.parent.addEventListener('abort', onParent, { once: true });
  let timedOut: ProviderTimeoutError | undefined;
  let timer: unknown;
  const arm = (ms: number): void => {
    opts.clock.clearTimer(timer);
    timer = opts.clock.setTimer(() => {
      timedOut = new ProviderTimeoutError(stage, ms);
      inner.abort(timedOut);
    }, ms);
  };
  try {
    if (opts.parent.aborted) throw opts.parent.reason;
    arm(opts.firstItemMs);
    const iterator = open(inner.signal)[Symbol.asyncIterator]();
    for (;;) {
      const next = await raceAbort(iterator.next(), inner.signal);
      if (next.done) break;
      arm(opts.idleMs);
      yield next.value;
    }
  } catch (error) {
    if (timedOut) throw timedOut;
    throw error;
  } finally {
    opts.clock.clearTimer(timer);
    opts.parent.removeEventListener('abort', onParent);
    if (!inner.signal.aborted) inner.abort(new DOMException('stream finished', 'AbortError'));
  }
}

/** Rejects as soon as `signal` aborts, even if `p` never settles. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
