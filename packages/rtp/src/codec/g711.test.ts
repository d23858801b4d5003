import { describe, expect, it } from 'vitest';
import { alaw, mulaw } from 'alawmulaw';
import {
  ALAW_DECODE_TABLE,
  MULAW_DECODE_TABLE,
  decodeALaw,
  decodeMuLaw,
  encodeALaw,
  encodeMuLaw,
} from './g711.js';
import { G711Decoder, G711Encoder } from './g711-codec.js';

const allSamples = new Int16Array(65536);
for (let i = 0; i < 65536; i++) allSamples[i] = i - 32768;
const allCodes = new Uint8Array(256).map((_, i) => i);

describe('G.711 tables vs alawmulaw', () => {
  it('mu-law encodes every 16-bit sample identically', () => {
    expect(Buffer.from(encodeMuLaw(allSamples))).toEqual(Buffer.from(mulaw.encode(allSamples)));
  });
  it('A-law encodes every 16-bit sample identically', () => {
    expect(Buffer.from(encodeALaw(allSamples))).toEqual(Buffer.from(alaw.encode(allSamples)));
  });
  it('mu-law decodes all 256 codes identically', () => {
    expect(Array.from(decodeMuLaw(allCodes))).toEqual(Array.from(mulaw.decode(allCodes)));
  });
  it('A-law decodes all 256 codes identically', () => {
    expect(Array.from(decodeALaw(allCodes))).toEqual(Array.from(alaw.decode(allCodes)));
  });
  it('known G.711 code points', () => {
    expect(MULAW_DECODE_TABLE[0xff]).toBe(0);
    expect(MULAW_DECODE_TABLE[0x00]).toBe(-32124);
    expect(MULAW_DECODE_TABLE[0x80]).toBe(32124);
    expect(ALAW_DECODE_TABLE[0xd5]).toBe(8);
    expect(ALAW_DECODE_TABLE[0x55]).toBe(-8);
    expect(ALAW_DECODE_TABLE[0xaa]).toBe(32256);
  });
  it('decode(encode(x)) is idempotent on decoded values', () => {
    const decoded = decodeMuLaw(allCodes);
    expect(
      Array.from(encodeMuLaw(decoded)).map((c, i) => MULAW_DECODE_TABLE[c] === decoded[i]),
    ).not.toContain(false);
  });
  it('writes into a caller-supplied buffer', () => {
    const out = Buffer.alloc(4);
    const r = encodeALaw(new Int16Array([0, 100, -100, 32767]), out);
    expect(r).toBe(out);
  });
});

describe('G711Decoder concealment', () => {
  const tone = (n: number, offset = 0): Int16Array =>
    Int16Array.from({ length: n }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 200 * (i + offset)) / 8000)),
    );
  it('repeats the pitch period, fades, and is silent after 60 ms', () => {
    const enc = new G711Encoder('PCMU');
    const dec = new G711Decoder('PCMU');
    for (let f = 0; f < 5; f++) dec.decode(enc.encode(tone(160, f * 160)));
    const c1 = dec.conceal(160);
    // 200 Hz has a 40-sample period: the concealed frame continues the tone.
    const expected = tone(80, 5 * 160);
    let err = 0;
    let sig = 0;
    for (let i = 0; i < 80; i++) {
      err += (c1[i]! - expected[i]!) ** 2;
      sig += expected[i]! ** 2;
    }
    expect(10 * Math.log10(sig / err)).toBeGreaterThan(20);
    const c2 = dec.conceal(160);
    const c3 = dec.conceal(160);
    const rms = (x: Int16Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    expect(rms(c2)).toBeLessThan(rms(c1));
    expect(rms(c3.subarray(0, 80))).toBeLessThan(rms(c2));
    expect(rms(dec.conceal(160))).toBe(0); // beyond 60 ms
    // Recovery works and output length matches.
    expect(dec.decode(enc.encode(tone(160))).length).toBe(160);
  });
  it('conceals silence before any audio', () => {
    const dec = new G711Decoder('PCMA');
    expect(Array.from(dec.conceal(160)).every((v) => v === 0)).toBe(true);
  });
});
