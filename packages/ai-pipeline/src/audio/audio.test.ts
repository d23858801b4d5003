import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameChunker } from './frame-chunker.js';
import { decodeUlaw, encodeUlaw, linearToUlaw, ulawToLinear } from './g711.js';
import { bytesToPcm16, pcm16ToBytes, wavFromPcm16 } from './pcm.js';
import { resample } from './resample.js';

function sine(rate: number, freq: number, n: number, amp = 10000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}
function rms(a: Int16Array, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i] ?? 0) ** 2;
  return Math.sqrt(s / (to - from));
}

describe('resample', () => {
  it('24 kHz -> 8 kHz keeps a 500 Hz tone and the length ratio', () => {
    const out = resample(sine(24000, 500, 2400), 24000, 8000);
    expect(out.length).toBe(800);
    expect(rms(out, 100, 700)).toBeGreaterThan(6500);
    expect(rms(out, 100, 700)).toBeLessThan(7600);
  });

  it('low-passes before decimating: a 6 kHz tone does not alias into 8 kHz output', () => {
    const out = resample(sine(24000, 6000, 2400), 24000, 8000);
    expect(rms(out, 100, 700)).toBeLessThan(300);
  });

  it('16 kHz -> 48 kHz upsamples smoothly', () => {
    const out = resample(sine(16000, 1000, 1600), 16000, 48000);
    expect(out.length).toBe(4800);
    expect(rms(out, 300, 4500)).toBeGreaterThan(6500);
  });
});

describe('G.711 mu-law', () => {
  it('decode(encode(decode(b))) is stable for every code', () => {
    for (let b = 0; b < 256; b++) {
      const x = ulawToLinear(b);
      expect(ulawToLinear(linearToUlaw(x))).toBe(x);
    }
  });
  it('round trips within the quantisation step', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32000, max: 32000 }), (x) => {
        const y = decodeUlaw(encodeUlaw(Int16Array.of(x)))[0] ?? 0;
        return Math.abs(y - x) <= Math.max(8, Math.abs(x) / 16);
      }),
    );
  });
});

describe('pcm helpers', () => {
  it('bytes <-> samples with an odd split', () => {
    const pcm = Int16Array.of(1, -2, 32767, -32768);
    const bytes = pcm16ToBytes(pcm);
    const a = bytesToPcm16(bytes.subarray(0, 3));
    expect(Array.from(a.pcm)).toEqual([1]);
    expect(a.rest.length).toBe(1);
    expect(Array.from(bytesToPcm16(bytes).pcm)).toEqual([1, -2, 32767, -32768]);
  });
  it('wav header', () => {
    const wav = wavFromPcm16(new Int16Array(160), 8000);
    expect(wav.length).toBe(44 + 320);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(8000);
  });
  it('frame chunker cuts 20 ms frames and pads the tail', () => {
    const c = new FrameChunker(8000);
    expect(c.push(new Int16Array(100))).toHaveLength(0);
    expect(c.push(new Int16Array(300))).toHaveLength(2);
    const tail = c.flush();
    expect(tail?.length).toBe(160);
    expect(c.flush()).toBeUndefined();
  });
});
