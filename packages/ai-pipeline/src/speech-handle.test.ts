import { describe, expect, it } from 'vitest';
import { SpeechHandle } from './speech-handle.js';

function handleWithFrames(sentences: [string, number][], atMs = 0): SpeechHandle {
  const h = new SpeechHandle({ id: 1 });
  for (const [text, frames] of sentences) {
    h.beginSegment(text);
    for (let i = 0; i < frames; i++) h.recordFrame(atMs);
  }
  return h;
}

describe('SpeechHandle', () => {
  it('interrupt aborts the signal and flushes synchronously, once', () => {
    const calls: string[] = [];
    const h = new SpeechHandle({ id: 1, onFlush: () => calls.push('flush') });
    h.signal.addEventListener('abort', () => calls.push('abort'));
    expect(h.interrupt()).toBe(true);
    expect(h.interrupt()).toBe(false);
    expect(calls).toEqual(['abort', 'flush']);
    expect(h.state).toBe('interrupted');
  });

  it('schedules playout in real time and computes heard frames by time', () => {
    const h = handleWithFrames([['One two three four.', 10]], 100);
    expect(h.playoutEndMs).toBe(300);
    expect(h.playedFrames(100)).toBe(0);
    expect(h.playedFrames(101)).toBe(1);
    expect(h.playedFrames(200)).toBe(5);
    expect(h.heardText(200)).toBe('One two');
  });

  it('keeps whole heard sentences and a proportional part of the cut one', () => {
    const h = handleWithFrames([
      ['Hello and welcome.', 10],
      ['How can I help you today?', 10],
    ]);
    expect(h.heardText(200)).toBe('Hello and welcome.');
    expect(h.heardText(300)).toBe('Hello and welcome. How can I');
    expect(h.heardText(1000)).toBe('Hello and welcome. How can I help you today?');
  });

  it('prefers playback acknowledgements when the output sends them', () => {
    const h = handleWithFrames([['a b c d', 8]]);
    h.markPlayed(4);
    expect(h.playedFrames(10_000)).toBe(4);
    expect(h.heardText(10_000)).toBe('a b');
    h.markPlayed(100);
    expect(h.playedFrames(0)).toBe(8);
  });

  it('playout continues after the cursor when frames arrive faster than real time', () => {
    const h = new SpeechHandle({ id: 2 });
    h.recordFrame(0);
    h.recordFrame(0);
    h.recordFrame(100);
    expect(h.playoutEndMs).toBe(120);
  });
});
