import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelayEstimator } from './delay-estimator.js';

/** The former implementation: copy the window and sort it on every recompute. */
class SortingReference {
  private readonly window: number[] = [];
  private since = 0;
  min = Infinity;
  excess = 0;
  constructor(
    private readonly size: number,
    private readonly percentile: number,
    private readonly every: number,
  ) {}
  add(v: number): void {
    this.window.push(v);
    if (this.window.length > this.size) this.window.shift();
    if (v < this.min) this.min = v;
    if (++this.since >= this.every) {
      this.since = 0;
      const s = Float64Array.from(this.window).sort();
      this.min = s[0]!;
      this.excess = s[Math.min(s.length - 1, Math.floor(this.percentile * s.length))]! - this.min;
    }
  }
}

describe('DelayEstimator (incremental sorted window)', () => {
  it('publishes exactly what re-sorting the window published', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 700 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 32 }),
        (values, size, every) => {
          const est = new DelayEstimator({ windowSize: size, percentile: 0.95, recomputeEvery: every });
          const ref = new SortingReference(size, 0.95, every);
          for (const v of values) {
            est.add(v);
            ref.add(v);
            expect(est.minRelativeDelayMs).toBe(ref.min);
            expect(est.excessDelayMs).toBe(ref.excess);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handles repeated values and a rising floor (old minimum leaves the window)', () => {
    const est = new DelayEstimator({ windowSize: 50, percentile: 0.9, recomputeEvery: 1 });
    for (let i = 0; i < 50; i++) est.add(i % 5 === 0 ? 10 : 30); // floor 10, 90th percentile 30
    expect(est.minRelativeDelayMs).toBe(10);
    expect(est.excessDelayMs).toBe(20);
    for (let i = 0; i < 50; i++) est.add(100 + (i % 2)); // network path got slower
    expect(est.minRelativeDelayMs).toBe(100);
    expect(est.excessDelayMs).toBe(1);
    expect(est.samples).toBe(50);
  });
});
