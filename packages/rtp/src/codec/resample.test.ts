import { describe, expect, it } from 'vitest';
import { Resampler } from './resample.js';

function tone(freq: number, rate: number, n: number, amp = 10000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}

/** Run a signal through a resampler in 20 ms frames. */
function runFrames(r: Resampler, input: Int16Array, frame: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += frame) parts.push(r.process(input.subarray(i, i + frame)));
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** SNR (dB) of `x` against the least-squares best-fit sinusoid at `freq`. */
function sineSnr(x: Int16Array, freq: number, rate: number): number {
  let ss = 0;
  let sc = 0;
  for (let i = 0; i < x.length; i++) {
    ss += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
    sc += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
  }
  const a = (2 * ss) / x.length;
  const b = (2 * sc) / x.length;
  let sig = 0;
  let err = 0;
  for (let i = 0; i < x.length; i++) {
    const fit = a * Math.sin((2 * Math.PI * freq * i) / rate) + b * Math.cos((2 * Math.PI * freq * i) / rate);
    sig += fit * fit;
    err += (x[i]! - fit) ** 2;
  }
  return 10 * Math.log10(sig / err);
}

const rms = (x: Int16Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

describe('Resampler', () => {
  it('yields exact frame sizes for 20 ms frames at every pipeline rate pair', () => {
    const rates = [8000, 16000, 24000, 48000];
    for (const a of rates) {
      for (const b of rates) {
        const r = new Resampler(a, b);
        for (let f = 0; f < 3; f++) expect(r.process(new Int16Array(a / 50)).length).toBe(b / 50);
      }
    }
  });

  it('a 1 kHz tone survives 8k -> 48k -> 8k with high SNR (20 ms frames)', () => {
    const up = new Resampler(8000, 48000);
    const down = new Resampler(48000, 8000);
    const input = tone(1000, 8000, 8000);
    const mid = runFrames(up, input, 160);
    expect(sineSnr(mid.subarray(4800), 1000, 48000)).toBeGreaterThan(50);
    const back = runFrames(down, mid, 960);
    // Skip the filter start-up transient (first 100 ms).
    const snr = sineSnr(back.subarray(800), 1000, 8000);
    expect(snr).toBeGreaterThan(50);
    expect(rms(back.subarray(800)) / rms(input)).toBeGreaterThan(0.98);
  });

  it('no clicks at frame borders: frame-wise equals one-shot', () => {
    const input = tone(700, 16000, 3200);
    const a = runFrames(new Resampler(16000, 24000), input, 320);
    const b = new Resampler(16000, 24000).process(input);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('attenuates a 6 kHz tone by > 40 dB when going 16k -> 8k', () => {
    const input = tone(6000, 16000, 16000);
    const out = runFrames(new Resampler(16000, 8000), input, 320);
    const att = 20 * Math.log10(rms(input) / Math.max(1e-9, rms(out.subarray(800))));
    expect(att).toBeGreaterThan(40);
  });

  it('attenuates 5 kHz by > 40 dB going 48k -> 8k and passes 3 kHz', () => {
    const r = new Resampler(48000, 8000);
    const hi = runFrames(r, tone(5000, 48000, 48000), 960);
    expect(20 * Math.log10(10000 / Math.SQRT2 / Math.max(1e-9, rms(hi.subarray(800))))).toBeGreaterThan(40);
    const lo = runFrames(new Resampler(48000, 8000), tone(3000, 48000, 48000), 960);
    expect(rms(lo.subarray(800)) / (10000 / Math.SQRT2)).toBeGreaterThan(0.95);
  });

  it('clips instead of wrapping on full-scale input', () => {
    const sq = Int16Array.from({ length: 960 }, (_, i) => (Math.floor(i / 40) % 2 === 0 ? 32767 : -32768));
    const out = new Resampler(48000, 16000).process(sq);
    expect(out.length).toBe(320);
  });

  it('rejects invalid rates', () => {
    expect(() => new Resampler(0, 8000)).toThrow(RangeError);
  });
});
