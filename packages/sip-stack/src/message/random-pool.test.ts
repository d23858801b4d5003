import { describe, expect, it } from 'vitest';
import { randomHex } from './random-pool.js';

describe('randomHex', () => {
  it('returns 2 hex characters per byte', () => {
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
  });

  it('never repeats across several pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(randomHex(10)); // ~12 refills of 4 KiB
    expect(seen.size).toBe(5000);
  });

  it('spreads bits over all hex digits', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of randomHex(8)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) expect(n).toBeGreaterThan(1500); // 32000 / 16 = 2000 expected
  });

  it('rejects sizes outside 1..4096', () => {
    expect(() => randomHex(0)).toThrow(RangeError);
    expect(() => randomHex(4097)).toThrow(RangeError);
  });
});
