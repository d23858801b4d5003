import { describe, expect, it } from 'vitest';
import { resampleLinear, StereoTimeline } from './timeline.js';

const fill = (n: number, v: number): Int16Array => new Int16Array(n).fill(v);
/** Channel `ch` of an interleaved stereo buffer. */
const chan = (s: Int16Array, ch: number): Int16Array => s.filter((_, i) => i % 2 === ch);

describe('StereoTimeline', () => {
  it('lays live frames end to end at their wall-clock slots and interleaves with silence', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    for (let i = 0; i < 10; i++) t.placeLive(0, fill(160, i + 1), (i + 1) * 160);
    const out = t.take(1600);
    expect(out.length).toBe(3200);
    const left = chan(out, 0);
    for (let i = 0; i < 10; i++) expect(left[i * 160 + 5]).toBe(i + 1);
    expect(chan(out, 1).every((v) => v === 0)).toBe(true);
    expect(t.stats).toEqual({ gaps: 0, overrunFrames: 0, lateFrames: 0, clearedFrames: 0 });
  });

  it('absorbs small jitter, fills a real gap with silence, drops frames that run ahead', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    t.placeLive(0, fill(160, 1), 160 + 40); // 5 ms late: still slot 0
    t.placeLive(0, fill(160, 2), 320 - 40); // 5 ms early: slot 1
    t.placeLive(0, fill(160, 3), 8000); // after 1 s of nothing: at [7840, 8000)
    expect(t.stats.gaps).toBe(1);
    for (let i = 0; i < 10; i++) t.placeLive(0, fill(160, 4), 8000); // a burst: up to 100 ms ahead
    expect(t.stats.overrunFrames).toBe(5);
    const left = chan(t.take(9000), 0);
    expect(left[0]).toBe(1);
    expect(left[160]).toBe(2);
    expect(left[400]).toBe(0);
    expect(left[7839]).toBe(0);
    expect(left[7840]).toBe(3);
    expect(left[8000 + 5 * 160 - 1]).toBe(4);
    expect(left[8000 + 5 * 160]).toBe(0);
  });

  it('an event-loop stall followed by the catch-up burst keeps every frame in its slot', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    for (let i = 0; i < 10; i++) t.placeLive(0, fill(160, i + 1), (i + 1) * 160);
    // Frames 10..13 are due at 220..280 ms but all arrive at 285 ms (a 65 ms stall).
    for (let i = 10; i < 14; i++) t.placeLive(0, fill(160, i + 1), 14 * 160 + 40);
    for (let i = 14; i < 20; i++) t.placeLive(0, fill(160, i + 1), (i + 1) * 160);
    const left = chan(t.take(20 * 160), 0);
    for (let i = 0; i < 20; i++) expect(left[i * 160 + 80], `frame ${i}`).toBe(i + 1);
    expect(t.stats.gaps).toBe(0);
  });

  it('a lag beyond the tolerance that persists (ticks skipped) is resynced after a few frames', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    for (let i = 0; i < 10; i++) t.placeLive(0, fill(160, 1), (i + 1) * 160);
    // From now on every frame is delivered 80 ms (4 frames) later than the channel expects.
    for (let i = 10; i < 20; i++) t.placeLive(0, fill(160, 2), (i + 5) * 160);
    expect(t.stats.gaps).toBe(1);
    const left = chan(t.take(25 * 160), 0);
    expect(left.indexOf(2)).toBe(10 * 160); // the first 4 land contiguously...
    expect(left[14 * 160 + 5]).toBe(0); // ...then the 5th jumps 80 ms ahead to its wall-clock slot
    expect(left[18 * 160 + 5]).toBe(2);
    expect(left[24 * 160 - 1]).toBe(2);
  });

  it('queues bursts back to back from the moment they arrive, and clearQueued drops the unsent part', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    for (let i = 0; i < 25; i++) t.placeQueued(1, fill(160, 7), 8000); // 500 ms burst at 1 s
    t.clearQueued(1, 8000 + 160 * 10 + 3); // barge-in 10 frames later: the 11th is in flight
    expect(t.stats.clearedFrames).toBe(14);
    const right = chan(t.take(16000), 1);
    expect(right[7999]).toBe(0);
    expect(right[8000]).toBe(7);
    expect(right[8000 + 11 * 160 - 1]).toBe(7);
    expect(right[8000 + 11 * 160]).toBe(0);
  });

  it('never writes before the emitted point: a frame for an emitted span lands right after it', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    t.placeQueued(1, fill(800, 5), 0);
    const a = chan(t.take(400), 1);
    expect(a.every((v) => v === 5)).toBe(true);
    t.placeLive(0, fill(160, 9), 480); // nominal [320, 480), but [0, 400) is already written
    const b = t.take(800);
    expect(chan(b, 1).every((v) => v === 5)).toBe(true);
    expect(
      chan(b, 0)
        .slice(0, 160)
        .every((v) => v === 9),
    ).toBe(true);
    expect(chan(b, 0)[160]).toBe(0);
    expect(t.committed).toBe(800);
    expect(t.take(800).length).toBe(0);
  });

  it('truncate drops frames at or after a position; maxEnd covers all channels', () => {
    const t = new StereoTimeline({ sampleRate: 8000 });
    for (let i = 0; i < 5; i++) t.placeQueued(1, fill(160, 1), 0);
    expect(t.maxEnd()).toBe(800);
    t.truncate(320);
    expect(t.maxEnd()).toBe(320);
  });
});

describe('resampleLinear', () => {
  it('keeps the level and scales the length', () => {
    const up = resampleLinear(fill(160, 1000), 8000, 16000);
    expect(up.length).toBe(320);
    expect(up.every((v) => v === 1000)).toBe(true);
    expect(resampleLinear(fill(320, 5), 16000, 8000).length).toBe(160);
    const same = fill(3, 1);
    expect(resampleLinear(same, 8000, 8000)).toBe(same);
  });
});
