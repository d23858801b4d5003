import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { EndedDialogs } from './ended-dialogs.js';

describe('EndedDialogs (RFC 3891 §3: 603 for a recently ended dialog)', () => {
  it('remembers ids for the window, drops the oldest beyond the cap', () => {
    const clock = new FakeClock();
    const ended = new EndedDialogs(clock, 32_000, 2);
    ended.note('a');
    clock.advance(1000);
    ended.note('b');
    expect(ended.has('a') && ended.has('b')).toBe(true);
    clock.advance(1000);
    ended.note('c'); // at 2000 ms; the cap of 2 drops 'a'
    expect([ended.has('a'), ended.has('b'), ended.has('c')]).toEqual([false, true, true]);
    clock.advance(31_001); // 33 001 ms: 'b' (1000 ms) is past the 32 000 ms window
    expect([ended.has('b'), ended.has('c')]).toEqual([false, true]);
    clock.advance(1000);
    expect(ended.has('c')).toBe(false);
    expect(ended.has('never')).toBe(false);
  });
});
