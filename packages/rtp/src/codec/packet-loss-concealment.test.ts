import { describe, expect, it } from 'vitest';
import { WaveformConcealer } from './packet-loss-concealment.js';

const tone = (n: number, offset: number, freq = 180, rate = 8000): Int16Array =>
  Int16Array.from({ length: n }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * freq * (i + offset)) / rate)),
  );

describe('WaveformConcealer (G.711 Appendix I style)', () => {
  it('finds the pitch of a periodic signal and continues it without a jump', () => {
    const plc = new WaveformConcealer(8000);
    for (let f = 0; f < 4; f++) plc.observe(tone(160, f * 160));
    const c = plc.conceal(80);
    const truth = tone(80, 640);
    const maxErr = Math.max(...Array.from(c, (v, i) => Math.abs(v - truth[i]!)));
    expect(maxErr).toBeLessThan(800); // 180 Hz: period 44.4 samples, estimate 44
    expect(plc.concealing).toBe(true);
  });

  it('cross-fades the first good frame after a loss (no step at the join)', () => {
    const plc = new WaveformConcealer(8000);
    for (let f = 0; f < 4; f++) plc.observe(tone(160, f * 160));
    const concealed = plc.conceal(160);
    // The next good frame is deliberately out of phase: the join must still be smooth.
    const good = tone(160, 640 + 160 + 22);
    const raw = Int16Array.from(good);
    plc.observe(good);
    expect(plc.concealing).toBe(false);
    const jumpRaw = Math.abs(raw[0]! - concealed[159]!);
    const jumpFaded = Math.abs(good[0]! - concealed[159]!);
    expect(jumpFaded).toBeLessThan(jumpRaw);
    // After the fade (1/4 pitch period, at most 30 samples) the frame is untouched.
    expect(Array.from(good.subarray(30))).toEqual(Array.from(raw.subarray(30)));
  });

  it('works at 16 kHz and reaches silence after 60 ms', () => {
    const plc = new WaveformConcealer(16000);
    for (let f = 0; f < 4; f++) plc.observe(tone(320, f * 320, 200, 16000));
    const frames = [plc.conceal(320), plc.conceal(320), plc.conceal(320), plc.conceal(320)];
    expect(frames[0]!.some((v) => v !== 0)).toBe(true);
    expect(frames[3]!.every((v) => v === 0)).toBe(true);
  });
});
