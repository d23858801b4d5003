/**
 * In-band DTMF detection (ITU-T Q.23 frequencies, Q.24 acceptance in spirit) with the
 * Goertzel algorithm, for peers that send tones in the audio instead of RFC 4733.
 *
 * Blocks of 12.75 ms (102 samples at 8 kHz, 204 at 16 kHz: ~78 Hz resolution) are
 * analysed for the 8 DTMF frequencies. A block "hits" a digit when:
 * - each of the two tones has at least `minAmplitude` (energy check);
 * - the two tones carry >= `minPurity` of the block energy (rejects speech and noise);
 * - each tone beats the other frequencies of its group by `relativePeakDb`;
 * - twist (row vs column level) is within `normalTwistDb` / `reverseTwistDb`.
 * A digit is emitted once after `minDurationMs` of consecutive hits and re-armed only
 * after two blocks without it.
 */
import type { DtmfDigit } from './telephone-event.js';

/** Q.23 low group (rows) and high group (columns), Hz. */
const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYPAD: readonly (readonly DtmfDigit[])[] = [
  ['1', '2', '3', 'A'],
  ['4', '5', '6', 'B'],
  ['7', '8', '9', 'C'],
  ['*', '0', '#', 'D'],
];

/** Detector options. */
export interface GoertzelDtmfOptions {
  /** PCM rate in Hz (8000 or 16000; any rate >= 8000 works). Default 8000. */
  readonly sampleRate?: number;
  /** Minimum tone duration in ms before a digit is reported. Default 40 ms. */
  readonly minDurationMs?: number;
  /** Minimum peak amplitude of each tone (16-bit scale). Default 300 (~ -40 dBFS). */
  readonly minAmplitude?: number;
  /** Minimum fraction of block energy in the two tones. Default 0.75. */
  readonly minPurity?: number;
  /** Row tone may exceed column tone by at most this (dB). Default 8 dB. */
  readonly normalTwistDb?: number;
  /** Column tone may exceed row tone by at most this (dB). Default 8 dB. */
  readonly reverseTwistDb?: number;
  /** Best tone must exceed the others of its group by this (dB). Default 6 dB. */
  readonly relativePeakDb?: number;
}

/** A digit detected in audio. */
export interface InbandDtmfDetection {
  readonly digit: DtmfDigit;
  /** Sample index (since detector creation) where the first hit block started. */
  readonly startSample: number;
}

const NONE: readonly InbandDtmfDetection[] = Object.freeze([]);
const dbToPower = (db: number): number => 10 ** (db / 10);

/** Goertzel coefficients 2cos(2*pi*f/rate) of the eight DTMF frequencies, one array per rate (read-only). */
const COEFFS = new Map<number, Float64Array>();
function coefficients(rate: number): Float64Array {
  let c = COEFFS.get(rate);
  if (c === undefined) {
    c = Float64Array.from([...ROWS, ...COLS], (f) => 2 * Math.cos((2 * Math.PI * f) / rate));
    COEFFS.set(rate, c);
  }
  return c;
}

/** Streaming in-band DTMF detector for one audio stream. */
export class GoertzelDtmfDetector {
  private readonly blockSize: number;
  private readonly coeffs: Float64Array;
  private readonly block: Float64Array;
  private fill = 0;
  private samplesSeen = 0;
  private readonly minBlocks: number;
  private readonly minAmp2: number;
  private readonly minPurity: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly relPeak: number;
  private readonly power = new Float64Array(8);
  private candidate: DtmfDigit | undefined;
  private hits = 0;
  private candidateStart = 0;
  private reported: DtmfDigit | undefined;
  private misses = 0;

  constructor(options: GoertzelDtmfOptions = {}) {
    const rate = options.sampleRate ?? 8000;
    this.blockSize = Math.round((102 * rate) / 8000);
    const blockMs = (this.blockSize * 1000) / rate;
    // Consecutive full blocks needed; a tone of minDurationMs always contains this many.
    this.minBlocks = Math.max(2, Math.floor((options.minDurationMs ?? 40) / blockMs));
    this.coeffs = coefficients(rate);
    this.block = new Float64Array(this.blockSize);
    const minAmp = options.minAmplitude ?? 300;
    this.minAmp2 = minAmp * minAmp;
    this.minPurity = options.minPurity ?? 0.75;
    this.normalTwist = dbToPower(options.normalTwistDb ?? 8);
    this.reverseTwist = dbToPower(options.reverseTwistDb ?? 8);
    this.relPeak = dbToPower(options.relativePeakDb ?? 6);
  }

  /**
   * Analyse more audio (any length). Returns the digits newly detected (usually none;
   * the empty result is a shared frozen array, so no allocation per frame).
   */
  process(pcm: Int16Array): readonly InbandDtmfDetection[] {
    let found: InbandDtmfDetection[] | undefined;
    for (let i = 0; i < pcm.length; i++) {
      this.block[this.fill++] = pcm[i]!;
      if (this.fill === this.blockSize) {
        this.fill = 0;
        const blockStart = this.samplesSeen + i + 1 - this.blockSize;
        const d = this.onBlock(this.analyse(), blockStart);
        if (d !== undefined) (found ??= []).push(d);
      }
    }
    this.samplesSeen += pcm.length;
    return found ?? NONE;
  }

  /** Goertzel over one block; returns the digit the block hits, if any. */
  private analyse(): DtmfDigit | undefined {
    const n = this.blockSize;
    const x = this.block;
    let energy = 0;
    for (let i = 0; i < n; i++) energy += x[i]! * x[i]!;
    if (energy === 0) return undefined;
    for (let k = 0; k < 8; k++) {
      const c = this.coeffs[k]!;
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const s0 = x[i]! + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      // |X(f)|^2; for a sine of amplitude A this is ~ (A * n / 2)^2.
      this.power[k] = s1 * s1 + s2 * s2 - c * s1 * s2;
    }
    const row = best(this.power, 0);
    const col = best(this.power, 4);
    const pr = this.power[row]!;
    const pc = this.power[col + 4]!;
    const scale = 4 / (n * n); // power -> amplitude^2
    if (pr * scale < this.minAmp2 || pc * scale < this.minAmp2) return undefined;
    // Purity: a pure tone of amplitude A has energy n*A^2/2 = 2|X|^2/n.
    if ((2 * (pr + pc)) / n < this.minPurity * energy) return undefined;
    if (pr > pc * this.normalTwist || pc > pr * this.reverseTwist) return undefined;
    for (let k = 0; k < 4; k++) {
      if (k !== row && this.power[k]! * this.relPeak > pr) return undefined;
      if (k !== col && this.power[k + 4]! * this.relPeak > pc) return undefined;
    }
    return KEYPAD[row]![col]!;
  }

  private onBlock(digit: DtmfDigit | undefined, blockStart: number): InbandDtmfDetection | undefined {
    if (digit === undefined || digit !== this.reported) {
      // Re-arm after two blocks without the reported digit (tolerates one dropout).
      if (this.reported !== undefined && ++this.misses >= 2) this.reported = undefined;
    } else {
      this.misses = 0;
    }
    if (digit === undefined) {
      this.candidate = undefined;
      this.hits = 0;
      return undefined;
    }
    if (digit !== this.candidate) {
      this.candidate = digit;
      this.hits = 0;
      this.candidateStart = blockStart;
    }
    this.hits++;
    if (this.hits >= this.minBlocks && this.reported !== digit) {
      this.reported = digit;
      this.misses = 0;
      return { digit, startSample: this.candidateStart };
    }
    return undefined;
  }
}

function best(power: Float64Array, offset: number): number {
  let b = 0;
  for (let k = 1; k < 4; k++) if (power[offset + k]! > power[offset + b]!) b = k;
  return b;
}
