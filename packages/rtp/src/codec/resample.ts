/**
 * Streaming rational sample-rate converter (8 / 12 / 16 / 24 / 32 / 44.1 / 48 kHz, any
 * integer rates) using a polyphase windowed-sinc (Kaiser) anti-aliasing low-pass FIR.
 *
 * The converter upsamples by L, filters at `L * inputRate` and decimates by M
 * (`outputRate / inputRate = L / M` in lowest terms), computing only the outputs that
 * survive decimation (polyphase form). History and the fractional phase are carried
 * across calls, so consecutive 20 ms frames join without clicks.
 */

/** Options for {@link Resampler}. */
export interface ResamplerOptions {
  /** Stop-band attenuation in dB. Default 80 dB. */
  readonly stopbandDb?: number;
  /**
   * Transition band width as a fraction of the lower of the two rates. The pass band ends
   * at `(0.5 - transition) * min(rates)` and the stop band starts at `0.5 * min(rates)`
   * (no aliasing into the output band). Default 0.1 (e.g. 3.2..4 kHz for 8 kHz).
   */
  readonly transition?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/**
 * Design the polyphase bank: `coeffs[phase * taps + j] = L * h[phase + j * L]`.
 * Kaiser design formulas (Kaiser 1974): beta from attenuation, order from transition.
 */
function designPolyphase(
  up: number,
  inputRate: number,
  outputRate: number,
  stopbandDb: number,
  transition: number,
): { coeffs: Float32Array; taps: number } {
  const fsUp = inputRate * up;
  const minRate = Math.min(inputRate, outputRate);
  const cutoffHz = (0.5 - transition / 2) * minRate;
  const deltaOmega = (2 * Math.PI * transition * minRate) / fsUp;
  const order = Math.ceil((stopbandDb - 8) / (2.285 * deltaOmega));
  const taps = Math.max(2, Math.ceil((order + 1) / up));
  const n = taps * up;
  const a = stopbandDb;
  const beta = a > 50 ? 0.1102 * (a - 8.7) : a >= 21 ? 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) : 0;
  const i0Beta = besselI0(beta);
  const fc = cutoffHz / fsUp; // cycles per (upsampled) sample
  const centre = (n - 1) / 2;
  const coeffs = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const t = k - centre;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const r = (2 * k) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    const phase = k % up;
    const j = (k - phase) / up;
    coeffs[phase * taps + j] = sinc * w * up;
  }
  return { coeffs, taps };
}

/**
 * Stateful resampler for one mono 16-bit stream. Create one per direction per call.
 *
 * @example
 * const up = new Resampler(8000, 48000);
 * const pcm48 = up.process(pcm8); // 160 samples in -> 960 out
 */
export class Resampler {
  /** Input rate in Hz. */
  readonly inputRate: number;
  /** Output rate in Hz. */
  readonly outputRate: number;
  /** Group delay of the filter in output samples (constant; for alignment). */
  readonly delayOutputSamples: number;
  private readonly up: number;
  private readonly down: number;
  private readonly coeffs: Float32Array;
  private readonly taps: number;
  /** History (`taps - 1` samples) followed by the current input. */
  private buf: Float32Array;
  /** Position of the next output in upsampled units, relative to the current frame start. */
  private nextPos = 0;

  /**
   * @param inputRate - input sample rate in Hz (positive integer).
   * @param outputRate - output sample rate in Hz (positive integer).
   * @throws RangeError on non-positive or non-integer rates (programmer error).
   */
  constructor(inputRate: number, outputRate: number, options: ResamplerOptions = {}) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate) || inputRate <= 0 || outputRate <= 0) {
      throw new RangeError(`invalid resampler rates ${inputRate} -> ${outputRate}`);
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const g = gcd(inputRate, outputRate);
    this.up = outputRate / g;
    this.down = inputRate / g;
    if (this.up === 1 && this.down === 1) {
      this.coeffs = new Float32Array([1]);
      this.taps = 1;
    } else {
      const d = designPolyphase(
        this.up,
        inputRate,
        outputRate,
        options.stopbandDb ?? 80,
        options.transition ?? 0.1,
      );
      this.coeffs = d.coeffs;
      this.taps = d.taps;
    }
    this.delayOutputSamples = (this.taps * this.up - 1) / 2 / this.down;
    this.buf = new Float32Array(this.taps - 1 + 960);
  }

  /** Number of output samples the next `process` call yields for `inputLength` samples. */
  outputLength(inputLength: number): number {
    const end = inputLength * this.up;
    return end <= this.nextPos ? 0 : Math.ceil((end - this.nextPos) / this.down);
  }

  /**
   * Convert one block of input (any length; typically one 20 ms frame).
   * @returns the converted samples (`outputLength(input.length)` of them), rounded and clipped.
   */
  process(input: Int16Array): Int16Array {
    const hist = this.taps - 1;
    if (this.buf.length < hist + input.length) {
      const bigger = new Float32Array(hist + input.length);
      bigger.set(this.buf.subarray(0, hist));
      this.buf = bigger;
    }
    const buf = this.buf;
    for (let i = 0; i < input.length; i++) buf[hist + i] = input[i]!;
    const out = new Int16Array(this.outputLength(input.length));
    const { up, down, taps, coeffs } = this;
    let pos = this.nextPos;
    for (let o = 0; o < out.length; o++) {
      const phase = pos % up;
      const newest = (pos - phase) / up + hist; // index in buf of x[iMax]
      const base = phase * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += buf[newest - j]! * coeffs[base + j]!;
      const r = Math.round(acc);
      out[o] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
      pos += down;
    }
    this.nextPos = pos - input.length * up;
    // Keep the last `hist` samples of (history + input) as the new history.
    if (hist > 0) buf.copyWithin(0, input.length, input.length + hist);
    return out;
  }

  /** Forget history (e.g. after a long silence or an SSRC change). */
  reset(): void {
    this.buf.fill(0);
    this.nextPos = 0;
  }
}

/** Sample rates the media pipeline uses (Hz). */
export const PIPELINE_RATES = [8000, 12000, 16000, 24000, 48000] as const;
