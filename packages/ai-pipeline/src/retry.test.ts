import { describe, expect, it } from 'vitest';
import { ProviderError, ProviderTimeoutError } from './errors.js';
import { iterateWithTimeouts, withRetry } from './retry.js';
import { FakeClock, flushMicrotasks } from './testing/fake-clock.js';

describe('withRetry', () => {
  it('retries retryable errors with exponential backoff on the clock', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const p = withRetry(
      'llm',
      async (attempt) => {
        times.push(clock.now());
        if (attempt < 2) throw new ProviderError('llm', 'busy', true, { status: 503 });
        return 'ok';
      },
      { clock, baseDelayMs: 100 },
    );
    await flushMicrotasks();
    clock.advance(100);
    await flushMicrotasks();
    clock.advance(200);
    await expect(p).resolves.toBe('ok');
    expect(times).toEqual([0, 100, 300]);
  });

  it('does not retry non-retryable errors', async () => {
    let n = 0;
    const p = withRetry(
      'tts',
      () => {
        n++;
        return Promise.reject(new ProviderError('tts', 'bad key', false, { status: 401 }));
      },
      { clock: new FakeClock() },
    );
    await expect(p).rejects.toMatchObject({ retryable: false, status: 401 });
    expect(n).toBe(1);
  });
});

describe('iterateWithTimeouts', () => {
  it('fails with a retryable timeout when the first item is late', async () => {
    const clock = new FakeClock();
    const parent = new AbortController();
    async function* never(signal: AbortSignal): AsyncGenerator<number> {
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason as Error)),
      );
      yield 1;
    }
    const it = iterateWithTimeouts('llm', never, {
      firstItemMs: 1000,
      idleMs: 500,
      clock,
      parent: parent.signal,
    });
    const next = it.next();
    clock.advance(1000);
    await expect(next).rejects.toBeInstanceOf(ProviderTimeoutError);
  });
});
