import { describe, expect, it } from 'vitest';
import { DeadlineMediaClock } from './media-clock.js';

describe('DeadlineMediaClock', () => {
  it('ticks on absolute deadlines and runs all handlers in one callback', async () => {
    const clock = new DeadlineMediaClock({ periodMs: 10 });
    const a: number[] = [];
    const b: number[] = [];
    const t0 = clock.now();
    const offA = clock.subscribe((t) => a.push(t));
    const offB = clock.subscribe((t) => b.push(t));
    await new Promise((r) => setTimeout(r, 120));
    offA();
    offB();
    expect(a.length).toBeGreaterThanOrEqual(3); // loaded CI machines: catch-up bounds the loss
    expect(b).toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]! - a[i - 1]!).toBeCloseTo(10, 6);
    expect(a[0]! - t0).toBeCloseTo(10, 0);
  });

  it('catches up a bounded number of ticks after a stall', () => {
    let now = 0;
    const clock = new DeadlineMediaClock({ periodMs: 20, maxCatchUpTicks: 3, now: () => now });
    const ticks: number[] = [];
    const off = clock.subscribe((t) => ticks.push(t));
    now = 200; // stalled for 10 periods
    (clock as unknown as { onTimer: () => void }).onTimer();
    off();
    expect(ticks).toEqual([160, 180, 200]);
    expect(clock.skippedTicks).toBe(7);
  });

  it('runs every send-phase handler before any work-phase handler of the same tick', () => {
    let now = 0;
    const clock = new DeadlineMediaClock({ periodMs: 20, now: () => now });
    const order: string[] = [];
    const offs = [
      clock.subscribe((t) => order.push(`work1@${t}`)),
      clock.subscribe((t) => order.push(`send1@${t}`), 'send'),
      clock.subscribe((t) => order.push(`work2@${t}`), 'work'),
      clock.subscribe((t) => order.push(`send2@${t}`), 'send'),
    ];
    now = 40;
    (clock as unknown as { onTimer: () => void }).onTimer();
    expect(order).toEqual([
      'send1@20',
      'send2@20',
      'work1@20',
      'work2@20',
      'send1@40',
      'send2@40',
      'work1@40',
      'work2@40',
    ]);
    for (const off of offs) off();
    expect(clock.subscribers).toBe(0);
  });
});
