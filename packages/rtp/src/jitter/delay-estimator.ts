/**
 * Network delay statistics for the adaptive jitter buffer. Pure: fed with one relative
 * delay sample per packet, no timers.
 *
 * The relative delay of a packet is `arrivalMs - timestampMs` (RFC 3550 §6.4.1 "relative
 * transit time", in ms instead of timestamp units). Its minimum over a sliding window is
 * the fastest path through the network; each packet's excess over that minimum is its
 * jitter delay. The target playout delay is a percentile of the excess (the approach of
 * WebRTC NetEq's delay histogram, kept exact with a sorted window).
 *
 * The window is kept sorted incrementally: each sample removes the one leaving the window
 * and inserts the new one by binary search and one `copyWithin` shift (O(window) moves of
 * 8 bytes, no allocation), so reading any order statistic is O(1). The published minimum
 * and percentile still refresh every `recomputeEvery` samples (the minimum also drops at
 * once when a faster packet arrives), exactly as the former sort-every-16 version did.
 */

/** Options of {@link DelayEstimator}. */
export interface DelayEstimatorOptions {
  /** Samples in the sliding window. Default 250 (5 s of 20 ms packets). */
  windowSize?: number;
  /** Percentile of the excess delay to cover, 0..1. Default 0.95. */
  percentile?: number;
  /**
   * Publish the window minimum and percentile every this many samples (the sorted window
   * itself is always current). Default 16.
   */
  recomputeEvery?: number;
}

/** Sliding-window relative-delay statistics plus the RFC 3550 §6.4.1 jitter estimator. */
export class DelayEstimator {
  private readonly window: Float64Array;
  private readonly sorted: Float64Array;
  private readonly percentile: number;
  private readonly recomputeEvery: number;
  private count = 0;
  private index = 0;
  private sinceRecompute = 0;
  private min = Infinity;
  private excessPercentile = 0;
  private jitter = 0;
  private lastTransit: number | undefined;

  constructor(opts: DelayEstimatorOptions = {}) {
    const size = opts.windowSize ?? 250;
    this.window = new Float64Array(size);
    this.sorted = new Float64Array(size);
    this.percentile = opts.percentile ?? 0.95;
    this.recomputeEvery = opts.recomputeEvery ?? 16;
  }

  /** Number of samples currently in the window. */
  get samples(): number {
    return this.count;
  }

  /** Minimum relative delay in the window (ms); `Infinity` before the first sample. */
  get minRelativeDelayMs(): number {
    return this.min;
  }

  /** Percentile of (relative delay - minimum) over the window, in ms. */
  get excessDelayMs(): number {
    return this.excessPercentile;
  }

  /** RFC 3550 §6.4.1 interarrival jitter estimate, in ms. */
  get jitterMs(): number {
    return this.jitter;
  }

  /** Add one packet's relative delay (`arrivalMs - timestampMs`). */
  add(relativeDelayMs: number): void {
    // RFC 3550 §6.4.1 / A.8: J += (|D| - J) / 16
    if (this.lastTransit !== undefined) {
      const d = Math.abs(relativeDelayMs - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = relativeDelayMs;
    if (this.count === this.window.length) this.removeSorted(this.window[this.index]!);
    else this.count++;
    this.insertSorted(relativeDelayMs);
    this.window[this.index] = relativeDelayMs;
    this.index = (this.index + 1) % this.window.length;
    if (relativeDelayMs < this.min) this.min = relativeDelayMs;
    if (++this.sinceRecompute >= this.recomputeEvery) this.recompute();
  }

  /** Forget all samples. */
  reset(): void {
    this.count = 0;
    this.index = 0;
    this.sinceRecompute = 0;
    this.min = Infinity;
    this.excessPercentile = 0;
    this.lastTransit = undefined;
  }

  /** First index among the first `n` sorted entries whose value is >= `v` (binary search). */
  private lowerBound(v: number, n: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Remove one occurrence of `v` (a sample leaving the window); `count` is unchanged. */
  private removeSorted(v: number): void {
    const n = this.count;
    const at = this.lowerBound(v, n);
    this.sorted.copyWithin(at, at + 1, n);
  }

  /** Insert `v` into the sorted prefix; `count` already includes it. */
  private insertSorted(v: number): void {
    const n = this.count - 1; // entries before the insert
    const at = this.lowerBound(v, n);
    this.sorted.copyWithin(at + 1, at, n);
    this.sorted[at] = v;
  }

  private recompute(): void {
    this.sinceRecompute = 0;
    const n = this.count;
    this.min = this.sorted[0]!;
    const k = Math.min(n - 1, Math.floor(this.percentile * n));
    this.excessPercentile = this.sorted[k]! - this.min;
  }
}
