/**
 * Windowed-sinc resampler (Blackman window) for the rare case a provider returns audio
 * at a rate other than the call's. When downsampling, the sinc cutoff sits at the new
 * Nyquist frequency, so it low-pass filters before decimating (no aliasing).
 */

/** Number of sinc zero-crossings on each side of a tap. Default 16. */
const DEFAULT_HALF_TAPS = 16;

/** Stateful streaming resampler: feed chunks, get output continuously. */
export class Resampler {
  private readonly ratio: number;
  private readonly cutoff: number;
  private readonly halfWidth: number;
  private history: Float64Array = new Float64Array(0);
  /** Position of the next output sample, in input samples relative to `history[0]`. */
  private position = 0;

  /**
   * @param fromRate input rate (Hz)
   * @param toRate output rate (Hz)
   * @param halfTaps sinc zero-crossings each side. Default 16.
   */
  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    halfTaps = DEFAULT_HALF_TAPS,
  ) {
    this.ratio = fromRate / toRate;
    this.cutoff = Math.min(1, toRate / fromRate);
    this.halfWidth = Math.ceil(halfTaps / this.cutoff);
    this.history = new Float64Array(this.halfWidth);
    this.position = this.halfWidth;
  }

  /** Resamples one chunk; output length tracks the ratio across calls. */
  process(input: Int16Array): Int16Array {
    if (this.fromRate === this.toRate) return input.slice();
    const buf = new Float64Array(this.history.length + input.length);
    buf.set(this.history);
    for (let i = 0; i < input.length; i++) buf[this.history.length + i] = input[i] ?? 0;
    const out: number[] = [];
    while (this.position + this.halfWidth < buf.length) {
      out.push(this.sampleAt(buf, this.position));
      this.position += this.ratio;
    }
    const keepFrom = Math.max(0, Math.floor(this.position) - this.halfWidth);
    this.history = buf.slice(keepFrom);
    this.position -= keepFrom;
    return Int16Array.from(out, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
  }

  /** Flushes the samples still held back for the filter's right half (zero-padded). */
  flush(): Int16Array {
    return this.process(new Int16Array(this.halfWidth + 1));
  }

  private sampleAt(buf: Float64Array, t: number): number {
    const center = Math.floor(t);
    let acc = 0;
    for (let k = center - this.halfWidth + 1; k <= center + this.halfWidth; k++) {
      if (k < 0 || k >= buf.length) continue;
      const x = t - k;
      acc += (buf[k] ?? 0) * this.kernel(x);
    }
    return acc;
  }

  private kernel(x: number): number {
    const fc = this.cutoff;
    const arg = Math.PI * x * fc;
    const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
    const w = Math.abs(x) / this.halfWidth;
    if (w >= 1) return 0;
    const n = 0.5 + w / 2; // Blackman window centred at 0.5
    const win = 0.42 - 0.5 * Math.cos(2 * Math.PI * n) + 0.08 * Math.cos(4 * Math.PI * n);
    return fc * sinc * win;
  }
}

/** One-shot resampling of a whole buffer. */
export function resample(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return input.slice();
  const r = new Resampler(fromRate, toRate);
  const a = r.process(input);
  const b = r.flush();
  const expected = Math.round((input.length * toRate) / fromRate);
  const out = new Int16Array(expected);
  out.set(a.subarray(0, expected));
  if (a.length < expected) out.set(b.subarray(0, expected - a.length), a.length);
  return out;
}
