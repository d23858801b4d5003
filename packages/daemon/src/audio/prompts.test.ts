import { describe, expect, it } from 'vitest';
import { PromptLibrary } from './prompts.js';

describe('PromptLibrary.frames', () => {
  const lib = new PromptLibrary();

  it('cuts a prompt into frames of the asked size, the last one zero-padded', () => {
    const pcm = lib.pcm('greeting', 8000)!;
    const frames = lib.frames('greeting', 8000, 160);
    expect(frames.length).toBe(Math.ceil(pcm.length / 160));
    for (const f of frames) expect(f.length).toBe(160);
    expect(Array.from(frames[0]!)).toEqual(Array.from(pcm.subarray(0, 160)));
  });

  it('cuts once per (name, rate, frame size) and shares the list', () => {
    expect(lib.frames('greeting', 8000, 160)).toBe(lib.frames('greeting', 8000, 160));
    expect(lib.frames('greeting', 8000, 320)).not.toBe(lib.frames('greeting', 8000, 160));
    expect(lib.frames('greeting', 8000, 320)[0]!.length).toBe(320);
  });

  it('returns no frames for an unknown prompt', () => {
    expect(lib.frames('no-such-prompt', 8000, 160)).toEqual([]);
  });
});
