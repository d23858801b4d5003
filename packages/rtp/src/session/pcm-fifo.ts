/**
 * PCM re-framing queue for playout: decoded packets of any duration in, frames of exactly
 * one ptime out (a peer may send 30 ms packets while we emit 20 ms frames). Zero-copy
 * when the packets already have the frame size.
 */

/** FIFO of Int16 PCM chunks. */
export class PcmFifo {
  private chunks: Int16Array[] = [];
  private offset = 0;
  private total = 0;

  /** Samples queued. */
  get size(): number {
    return this.total;
  }

  /** Append a chunk (kept by reference). */
  push(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.chunks.push(pcm);
    this.total += pcm.length;
  }

  /**
   * Remove `n` samples; when fewer are queued the rest is zero (silence). Returns the
   * queued chunk itself when it is exactly `n` samples long.
   */
  take(n: number): Int16Array {
    const head = this.chunks[0];
    if (head && this.offset === 0 && head.length === n) {
      this.chunks.shift();
      this.total -= n;
      return head;
    }
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const k = Math.min(n - filled, c.length - this.offset);
      out.set(c.subarray(this.offset, this.offset + k), filled);
      filled += k;
      this.offset += k;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    this.total -= filled;
    return out;
  }

  /** Drop everything. */
  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.total = 0;
  }
}
