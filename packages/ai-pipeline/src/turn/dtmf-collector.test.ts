import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { DtmfCollector } from './dtmf-collector.js';

describe('DtmfCollector', () => {
  it("ends an entry on '#', on a pause, or at the length limit", () => {
    const clock = new FakeClock();
    const got: string[] = [];
    const c = new DtmfCollector({ clock, interDigitMs: 1000, maxDigits: 4, onComplete: (d) => got.push(d) });
    c.push('1');
    c.push('2');
    c.push('#');
    c.push('9');
    clock.advance(999);
    c.push('8');
    clock.advance(999);
    expect(got).toEqual(['12']);
    clock.advance(1);
    expect(got).toEqual(['12', '98']);
    for (const d of '12345') c.push(d);
    expect(got).toEqual(['12', '98', '1234']);
    c.clear();
    clock.advance(5000);
    expect(got).toHaveLength(3);
    c.push('#');
    expect(got).toHaveLength(3);
  });
});
