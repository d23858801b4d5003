import { describe, expect, it } from 'vitest';
import { noiseFrame, toneFrame } from '../testing/audio.js';
import { EnergyVad, levelDbfs, type VadEvent } from './energy-vad.js';

function run(vad: EnergyVad, frames: Int16Array[], startMs = 0): (VadEvent & { i: number })[] {
  const out: (VadEvent & { i: number })[] = [];
  frames.forEach((f, i) => {
    for (const e of vad.process(f, startMs + (i + 1) * 20)) out.push({ ...e, i });
  });
  return out;
}

const rep = (n: number, f: (i: number) => Int16Array): Int16Array[] =>
  Array.from({ length: n }, (_, i) => f(i));

describe('EnergyVad', () => {
  for (const rate of [8000, 16000]) {
    it(`detects start after minSpeechMs and end after minSilenceMs at ${rate} Hz`, () => {
      const vad = new EnergyVad({ sampleRate: rate });
      const frames = [
        ...rep(50, (i) => noiseFrame(rate, 30, i + 1)),
        ...rep(30, (i) => toneFrame(rate, 6000, 300, i)),
        ...rep(40, (i) => noiseFrame(rate, 30, i + 7)),
      ];
      const ev = run(vad, frames);
      expect(ev.map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
      // 200 ms of speech = 10 frames: confirmed on the 10th tone frame (index 59).
      expect(ev[0]?.i).toBe(59);
      expect(ev[0]).toMatchObject({ onsetMs: 1000, atMs: 1200 });
      // 500 ms of silence = 25 frames after the last tone frame (index 79).
      expect(ev[1]?.i).toBe(104);
      expect(ev[1]).toMatchObject({ lastSpeechMs: 1600, atMs: 2100, speechMs: 600 });
    });
  }

  it('ignores a cough shorter than minSpeechMs', () => {
    const vad = new EnergyVad({ sampleRate: 8000, minSpeechMs: 200 });
    const frames = [...rep(20, () => noiseFrame(8000)), ...rep(6, (i) => toneFrame(8000, 12000, 500, i))];
    frames.push(...rep(30, () => noiseFrame(8000)));
    expect(run(vad, frames)).toEqual([]);
  });

  it('keeps speaking through pauses shorter than minSilenceMs', () => {
    const vad = new EnergyVad({ sampleRate: 8000, minSilenceMs: 500 });
    const frames = [
      ...rep(15, (i) => toneFrame(8000, 6000, 300, i)),
      ...rep(15, () => noiseFrame(8000)),
      ...rep(15, (i) => toneFrame(8000, 6000, 300, i)),
      ...rep(30, () => noiseFrame(8000)),
    ];
    expect(run(vad, frames).map((e) => e.type)).toEqual(['speech-start', 'speech-end']);
  });

  it('adapts to a noisy line: steady noise is not speech', () => {
    const vad = new EnergyVad({ sampleRate: 8000 });
    const frames = rep(200, (i) => noiseFrame(8000, 1500, i + 3));
    expect(run(vad, frames)).toEqual([]);
    expect(vad.noiseFloorDbfs).toBeGreaterThan(-40);
    const loud = rep(20, (i) => toneFrame(8000, 16000, 300, i));
    expect(run(vad, loud, 4000).map((e) => e.type)).toEqual(['speech-start']);
  });

  it('levelDbfs: full-scale sine is about -3 dBFS, silence -100', () => {
    expect(levelDbfs(toneFrame(8000, 32767, 400))).toBeCloseTo(-3, 0);
    expect(levelDbfs(new Int16Array(160))).toBe(-100);
  });
});
