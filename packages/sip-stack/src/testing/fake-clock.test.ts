import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('fires due timers in order, including timers scheduled while advancing', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimer(() => log.push(`b@${clock.now()}`), 200);
    clock.setTimer(() => {
      log.push(`a@${clock.now()}`);
      clock.setTimer(() => log.push(`c@${clock.now()}`), 50);
    }, 100);
    const h = clock.setTimer(() => log.push('never'), 120);
    clock.clearTimer(h);
    expect(clock.pending()).toBe(2);
    clock.advance(1000);
    expect(log).toEqual(['a@100', 'c@150', 'b@200']);
    expect(clock.now()).toBe(1000);
    expect(clock.pending()).toBe(0);
  });

  it('does not fire timers beyond the target', () => {
    const clock = new FakeClock(5);
    let fired = 0;
    clock.setTimer(() => fired++, 10);
    clock.advance(9);
    expect(fired).toBe(0);
    clock.advance(1);
    expect(fired).toBe(1);
  });
});
