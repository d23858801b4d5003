import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWav } from '../audio/wav.js';
import { WAV_HEADER_BYTES, WavWriter, wavHeader } from './wav-writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wav-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** 20 ms stereo frame at 8 kHz: left = `l`, right = `r`. */
function frame(l: number, r: number): Int16Array {
  const f = new Int16Array(320);
  for (let i = 0; i < 160; i++) {
    f[2 * i] = l;
    f[2 * i + 1] = r;
  }
  return f;
}

describe('WavWriter', () => {
  it('writes a stereo 16-bit WAV that parses with both channels after close', async () => {
    const path = join(dir, 'sub/dir/a.wav');
    const w = new WavWriter({ path, sampleRate: 8000, channels: 2 });
    for (let i = 0; i < 100; i++) w.write(frame(i, -i));
    const res = await w.close();
    expect(res).toMatchObject({ path, dataBytes: 100 * 640, durationSec: 2, errors: 0, droppedBytes: 0 });
    const buf = readFileSync(path);
    expect(buf.length).toBe(WAV_HEADER_BYTES + 64_000);
    expect(buf.readUInt32LE(4)).toBe(36 + 64_000);
    expect(buf.readUInt32LE(40)).toBe(64_000);
    const p = parseWav(buf);
    if (!p.ok) throw new Error(p.reason);
    expect(p.audio).toMatchObject({ sampleRate: 8000, channels: 2 });
    expect(p.audio.samples.length).toBe(32_000);
    expect(p.audio.samples[2 * 160 * 7]).toBe(7);
    expect(p.audio.samples[2 * 160 * 7 + 1]).toBe(-7);
  });

  it('batches: nothing reaches the file until a second of audio is buffered, then sizes are patched', async () => {
    const path = join(dir, 'b.wav');
    const w = new WavWriter({ path, sampleRate: 8000, channels: 2 });
    await w.flush(); // nothing buffered: waits for the file to be created
    for (let i = 0; i < 49; i++) w.write(frame(1, 1)); // 0.98 s: stays in memory
    expect(readFileSync(path).length).toBe(WAV_HEADER_BYTES);
    expect(readFileSync(path).readUInt32LE(40)).toBe(0xffffffff); // streaming size until the first patch
    w.write(frame(1, 1)); // 1.00 s: auto flush
    await w.flush();
    const buf = readFileSync(path);
    expect(buf.length).toBe(WAV_HEADER_BYTES + 32_000);
    expect(buf.readUInt32LE(40)).toBe(32_000);
    await w.close();
  });

  it('without close (a crash), the file parses up to the last flush with real sizes', async () => {
    const path = join(dir, 'crash.wav');
    const w = new WavWriter({ path, sampleRate: 8000, channels: 2 });
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 50; i++) w.write(frame(s + 1, 100));
      await w.flush();
    }
    for (let i = 0; i < 20; i++) w.write(frame(9, 9)); // buffered, lost in the "crash"
    const buf = readFileSync(path);
    expect(buf.readUInt32LE(40)).toBe(3 * 32_000);
    const p = parseWav(buf);
    if (!p.ok) throw new Error(p.reason);
    expect(p.audio.samples.length / 2 / 8000).toBeGreaterThanOrEqual(2);
    expect(p.audio.samples[2 * 8000 * 2.5]).toBe(3);
    await w.close(); // release the descriptor (the "crashed" process would have lost it)
  });

  it('patches the sizes even when the header claims the streaming size', () => {
    const h = wavHeader(16000, 1);
    expect(h.readUInt32LE(4)).toBe(0xffffffff);
    expect(h.readUInt32LE(28)).toBe(32_000);
    expect(wavHeader(16000, 1, 10).readUInt32LE(40)).toBe(10);
  });

  it('never throws: an existing file or a bad directory is reported, counted and the audio dropped', async () => {
    const existing = join(dir, 'exists.wav');
    writeFileSync(existing, 'keep me');
    const errors: string[] = [];
    const w = new WavWriter({
      path: existing,
      sampleRate: 8000,
      channels: 2,
      onError: (_e, op) => errors.push(op),
    });
    w.write(frame(1, 1));
    const res = await w.close();
    expect(errors).toEqual(['open']);
    expect(res.errors).toBe(1);
    expect(res.droppedBytes).toBe(640);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    const blocked = join(existing, 'x.wav'); // a file used as a directory
    const w2 = new WavWriter({
      path: blocked,
      sampleRate: 8000,
      onError: () => {
        throw new Error('a throwing callback is contained too');
      },
    });
    w2.write(new Int16Array(8000));
    await expect(w2.close()).resolves.toMatchObject({ errors: 1, dataBytes: 0 });
  });

  it('drops audio beyond the buffer cap instead of growing without bound', async () => {
    const w = new WavWriter({
      path: join(dir, 'cap.wav'),
      sampleRate: 8000,
      channels: 2,
      maxBufferedBytes: 1280,
      flushBytes: 1e9,
    });
    for (let i = 0; i < 3; i++) w.write(frame(1, 1));
    expect(w.droppedBytes).toBe(640);
    expect(w.durationSec).toBeCloseTo(0.04);
    await w.close();
  });

  it('syncs at most every syncIntervalMs and never after close', async () => {
    let t = 0;
    const w = new WavWriter({
      path: join(dir, 's.wav'),
      sampleRate: 8000,
      channels: 2,
      syncIntervalMs: 5000,
      now: () => t,
    });
    for (let s = 0; s < 12; s++) {
      t += 1000;
      for (let i = 0; i < 50; i++) w.write(frame(1, 1));
      await w.flush();
    }
    const res = await w.close();
    expect(res.errors).toBe(0);
    expect(res.durationSec).toBe(12);
    w.write(frame(1, 1)); // after close: ignored
    expect(w.droppedBytes).toBe(640);
  });
});
