import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeOutcome } from './fake-refer-outcome.test-util.js';
import { awaitReferResult, transferDone } from './refer-result.js';

describe('awaitReferResult (RFC 3515 §2.4.4-§2.4.5)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a non-2xx REFER response is refused', async () => {
    const f = fakeOutcome(403);
    expect(await awaitReferResult(f.outcome)).toEqual({ result: 'refused', status: 403 });
  });

  it('final sipfrag 200 is success; 486 is failed; only those two leave or keep the call', async () => {
    const ok = fakeOutcome(202);
    const p = awaitReferResult(ok.outcome);
    ok.notify(100);
    ok.end(200);
    const r = await p;
    expect(r).toEqual({ result: 'success', status: 200 });
    expect(transferDone(r)).toBe(true);
    const busy = fakeOutcome(202);
    const q = awaitReferResult(busy.outcome);
    busy.notify(100);
    busy.end(486);
    const b = await q;
    expect(b).toEqual({ result: 'failed', status: 486 });
    expect(transferDone(b)).toBe(false);
  });

  it('Refer-Sub: false (RFC 4488) or no NOTIFY at all within firstNotifyMs is unconfirmed (done)', async () => {
    const noSub = fakeOutcome(202, [{ name: 'Refer-Sub', value: 'false' }]);
    expect((await awaitReferResult(noSub.outcome)).result).toBe('unconfirmed');
    const silent = fakeOutcome(202);
    const p = awaitReferResult(silent.outcome, { firstNotifyMs: 5000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(await p).toEqual({ result: 'unconfirmed', status: 202 });
  });

  it('progress without a final NOTIFY within finalMs is a timeout (call kept)', async () => {
    const f = fakeOutcome(202);
    const p = awaitReferResult(f.outcome, { firstNotifyMs: 5000, finalMs: 30_000 });
    f.notify(100);
    f.notify(180);
    await vi.advanceTimersByTimeAsync(29_999);
    f.notify(180);
    await vi.advanceTimersByTimeAsync(1);
    const r = await p;
    expect(r.result).toBe('timeout');
    expect(transferDone(r)).toBe(false);
  });

  it('a subscription that ends without a final status after progress is failed', async () => {
    const f = fakeOutcome(202);
    const p = awaitReferResult(f.outcome);
    f.notify(100);
    f.end(undefined);
    expect((await p).result).toBe('failed');
  });
});
