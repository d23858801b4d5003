import { describe, expect, it } from 'vitest';
import { OpusAudioDecoder, OpusAudioEncoder } from './opus.js';
import { createCodec, UnsupportedCodecError } from './codec-registry.js';

function tone(freq: number, rate: number, n: number, offset: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * freq * (i + offset)) / rate)),
  );
}
const rms = (x: Int16Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

describe('Opus', () => {
  it('round-trips a tone at 16 kHz in 20 ms frames', () => {
    const enc = new OpusAudioEncoder({ sampleRate: 16000 });
    const dec = new OpusAudioDecoder({ sampleRate: 16000 });
    let last: Int16Array = new Int16Array(0);
    for (let f = 0; f < 20; f++) {
      const payload = enc.encode(tone(440, 16000, 320, f * 320));
      expect(payload.length).toBeGreaterThan(2);
      last = dec.decode(payload);
      expect(last.length).toBe(320);
    }
    expect(rms(last)).toBeGreaterThan(3000);
  });

  it('conceals with libopus PLC and never throws on garbage', () => {
    const enc = new OpusAudioEncoder({ sampleRate: 8000, inbandFec: true });
    const dec = new OpusAudioDecoder({ sampleRate: 8000 });
    for (let f = 0; f < 10; f++) dec.decode(enc.encode(tone(300, 8000, 160, f * 160)));
    const c1 = dec.conceal(160, Buffer.from([1]));
    expect(c1.length).toBe(160);
    expect(rms(c1)).toBeGreaterThan(100);
    for (let i = 0; i < 40; i++) expect(dec.conceal(160).length).toBe(160);
    expect(dec.decode(Buffer.from([0xff, 0xff, 0xff])).length).toBeGreaterThanOrEqual(0);
    expect(dec.decode(Buffer.alloc(0)).length).toBe(160);
    expect(dec.decode(enc.encode(tone(300, 8000, 160, 0))).length).toBe(160);
  });

  it('works at every PCM rate and decodes across rates (RTP clock is always 48 kHz)', () => {
    for (const rate of [8000, 12000, 16000, 24000, 48000]) {
      const enc = new OpusAudioEncoder({ sampleRate: rate, frameMs: 20 });
      const dec = new OpusAudioDecoder({ sampleRate: 48000 });
      const out = dec.decode(enc.encode(tone(440, rate, rate / 50, 0)));
      expect(out.length).toBe(960);
    }
  });

  it('DTX emits tiny payloads for silence (RFC 7587 §3.3: need not be sent)', () => {
    const enc = new OpusAudioEncoder({ sampleRate: 16000, dtx: true });
    const sizes: number[] = [];
    for (let f = 0; f < 30; f++) sizes.push(enc.encode(new Int16Array(320)).length);
    expect(Math.min(...sizes.slice(10))).toBeLessThanOrEqual(2);
  });

  it('rejects wrong frame sizes and rates (programmer errors)', () => {
    expect(() => new OpusAudioEncoder({ sampleRate: 44100 })).toThrow(RangeError);
    expect(() => new OpusAudioEncoder().encode(new Int16Array(100))).toThrow(RangeError);
  });
});

describe('createCodec', () => {
  it('builds PCMU/PCMA with 160-sample frames', () => {
    for (const name of ['PCMU', 'PCMA']) {
      const c = createCodec({ name, clockRate: 8000, channels: 1, sampleRate: 8000 });
      expect(c.samplesPerFrame).toBe(160);
      expect(c.rtpTicksPerFrame).toBe(160);
      expect(c.decoder.decode(c.encoder.encode(new Int16Array(160))).length).toBe(160);
    }
  });
  it('builds opus with 48 kHz RTP ticks and fmtp-driven encoder', () => {
    const c = createCodec({
      name: 'opus',
      clockRate: 48000,
      channels: 2,
      sampleRate: 16000,
      fmtp: { useinbandfec: 1, usedtx: '1', maxplaybackrate: 16000, maxaveragebitrate: 20000 },
    });
    expect(c.samplesPerFrame).toBe(320);
    expect(c.rtpTicksPerFrame).toBe(960);
    expect(c.decoder.decode(c.encoder.encode(new Int16Array(320))).length).toBe(320);
  });
  it('builds G722 with 320-sample frames and 160 RTP ticks (RFC 3551 §4.5.2)', () => {
    const c = createCodec({ name: 'G722', clockRate: 8000, channels: 1, sampleRate: 16000 });
    expect(c.samplesPerFrame).toBe(320);
    expect(c.rtpTicksPerFrame).toBe(160);
    const payload = c.encoder.encode(new Int16Array(320));
    expect(payload.length).toBe(160);
    expect(c.decoder.decode(payload).length).toBe(320);
    expect(c.decoder.conceal(320).length).toBe(320);
  });
  it('throws UnsupportedCodecError for unknown codecs', () => {
    expect(() => createCodec({ name: 'G729', clockRate: 8000, channels: 1, sampleRate: 8000 })).toThrow(
      UnsupportedCodecError,
    );
  });
});
