import { describe, expect, it } from 'vitest';
import { GoertzelDtmfDetector } from './goertzel.js';

const FREQS: Record<string, [number, number]> = {
  '1': [697, 1209],
  '2': [697, 1336],
  '3': [697, 1477],
  A: [697, 1633],
  '4': [770, 1209],
  '5': [770, 1336],
  '6': [770, 1477],
  B: [770, 1633],
  '7': [852, 1209],
  '8': [852, 1336],
  '9': [852, 1477],
  C: [852, 1633],
  '*': [941, 1209],
  '0': [941, 1336],
  '#': [941, 1477],
  D: [941, 1633],
};

function dual(digit: string, rate: number, ms: number, amp = 6000, twistDb = 0): Float64Array {
  const [lo, hi] = FREQS[digit]!;
  const n = Math.round((rate * ms) / 1000);
  const hiAmp = amp * 10 ** (-twistDb / 20);
  return Float64Array.from(
    { length: n },
    (_, i) => amp * Math.sin((2 * Math.PI * lo * i) / rate) + hiAmp * Math.sin((2 * Math.PI * hi * i) / rate),
  );
}

function concat(parts: Float64Array[], noise = 0, seed = 1): Int16Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Int16Array(total);
  let o = 0;
  let s = seed;
  const rand = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff - 0.5;
  };
  for (const p of parts)
    for (const v of p) out[o++] = Math.max(-32768, Math.min(32767, Math.round(v + noise * rand())));
  return out;
}

const silence = (rate: number, ms: number): Float64Array => new Float64Array(Math.round((rate * ms) / 1000));

function detectAll(pcm: Int16Array, rate: number, frame = rate / 50): string[] {
  const det = new GoertzelDtmfDetector({ sampleRate: rate });
  const out: string[] = [];
  for (let i = 0; i < pcm.length; i += frame)
    for (const d of det.process(pcm.subarray(i, i + frame))) out.push(d.digit);
  return out;
}

describe('GoertzelDtmfDetector', () => {
  for (const rate of [8000, 16000]) {
    it(`detects all 16 keys once each at ${rate} Hz (70 ms tones, 50 ms gaps)`, () => {
      const keys = Object.keys(FREQS);
      const parts: Float64Array[] = [silence(rate, 30)];
      for (const k of keys) parts.push(dual(k, rate, 70), silence(rate, 50));
      expect(detectAll(concat(parts, 200), rate)).toEqual(keys);
    });
  }

  it('detects a 45 ms tone but not a 20 ms blip', () => {
    expect(detectAll(concat([silence(8000, 7), dual('5', 8000, 45), silence(8000, 50)]), 8000)).toEqual([
      '5',
    ]);
    expect(detectAll(concat([silence(8000, 7), dual('5', 8000, 20), silence(8000, 50)]), 8000)).toEqual([]);
  });

  it('a long press is reported once; repeated presses each once', () => {
    expect(detectAll(concat([dual('7', 8000, 800)]), 8000)).toEqual(['7']);
    expect(detectAll(concat([dual('7', 8000, 80), silence(8000, 60), dual('7', 8000, 80)]), 8000)).toEqual([
      '7',
      '7',
    ]);
  });

  it('accepts moderate twist, rejects excessive twist', () => {
    expect(detectAll(concat([dual('3', 8000, 80, 6000, 4)]), 8000)).toEqual(['3']);
    expect(detectAll(concat([dual('3', 8000, 80, 6000, 14)]), 8000)).toEqual([]);
  });

  it('ignores a 440 Hz tone, a 1 kHz tone, white noise, quiet tones and a speech-like harmonic signal', () => {
    const rate = 8000;
    const n = rate;
    const tone = (f: number) =>
      Float64Array.from({ length: n }, (_, i) => 8000 * Math.sin((2 * Math.PI * f * i) / rate));
    expect(detectAll(concat([tone(440)]), rate)).toEqual([]);
    expect(detectAll(concat([tone(1000)]), rate)).toEqual([]);
    expect(detectAll(concat([silence(rate, 1000)], 20000), rate)).toEqual([]);
    expect(detectAll(concat([dual('1', rate, 200, 100)]), rate)).toEqual([]);
    // Vowel-like: 140 Hz fundamental with decaying harmonics (hits 700 Hz and 1260 Hz).
    const vowel = Float64Array.from({ length: n }, (_, i) => {
      let v = 0;
      for (let h = 1; h <= 25; h++) v += (6000 / h) * Math.sin((2 * Math.PI * 140 * h * i) / rate + h);
      return v;
    });
    expect(detectAll(concat([vowel]), rate)).toEqual([]);
  });
});
