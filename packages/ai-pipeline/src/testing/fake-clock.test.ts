import { describe, expect, it } from 'vitest';
import { sleep } from '../clock.js';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in deadline order, ties in creation order, and honours clearTimer', () => {
    const c = new FakeClock(1000);
    const fired: string[] = [];
    c.setTimer(() => fired.push('b'), 20);
    c.setTimer(() => fired.push('a'), 10);
    c.setTimer(() => fired.push('c'), 20);
    const h = c.setTimer(() => fired.push('x'), 5);
    c.clearTimer(h);
    c.advance(15);
    expect(fired).toEqual(['a']);
    c.advance(5);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(c.now()).toBe(1020);
    expect(c.pendingTimers).toBe(0);
  });

  it('advanceAsync resumes awaiting code at the exact deadline', async () => {
    const c = new FakeClock();
    const seen: number[] = [];
    const chain = async (): Promise<void> => {
      await sleep(c, 30);
      seen.push(c.now());
      await sleep(c, 25);
      seen.push(c.now());
    };
    const p = chain();
    await c.advanceAsync(100);
    await p;
    expect(seen).toEqual([30, 55]);
    expect(c.now()).toBe(100);
  });

  it('sleep rejects when aborted', async () => {
    const c = new FakeClock();
    const ac = new AbortController();
    const p = sleep(c, 100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(c.pendingTimers).toBe(0);
  });
});
