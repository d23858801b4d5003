import { samplesPerFrame } from '../frames.js';

/** Cuts a stream of PCM chunks of any length into fixed 20 ms frames. */
export class FrameChunker {
  private readonly frameSamples: number;
  private pending: Int16Array = new Int16Array(0);

  /** @param sampleRate rate of the PCM (Hz) */
  constructor(sampleRate: number) {
    this.frameSamples = samplesPerFrame(sampleRate);
  }

  /** Adds samples; returns the complete frames now available. */
  push(pcm: Int16Array): Int16Array[] {
    const all = new Int16Array(this.pending.length + pcm.length);
    all.set(this.pending);
    all.set(pcm, this.pending.length);
    const frames: Int16Array[] = [];
    let off = 0;
    while (all.length - off >= this.frameSamples) {
      frames.push(all.slice(off, off + this.frameSamples));
      off += this.frameSamples;
    }
    this.pending = all.slice(off);
    return frames;
  }

  /** Returns the last partial frame zero-padded to 20 ms, or undefined if none. */
  flush(): Int16Array | undefined {
    if (this.pending.length === 0) return undefined;
    const frame = new Int16Array(this.frameSamples);
    frame.set(this.pending);
    this.pending = new Int16Array(0);
    return frame;
  }

  /** Drops buffered samples (barge-in). */
  clear(): void {
    this.pending = new Int16Array(0);
  }
}
