/**
 * SRTP replay protection (RFC 3711 §3.3.2): a sliding window of recently authenticated
 * packet indices. The RFC minimum is 64; the default here is 128 to tolerate more
 * reordering. Check before authenticating, update only after authentication succeeds.
 */

/** Result of {@link ReplayWindow.check}. */
export type ReplayCheck = 'ok' | 'replay' | 'too-old';

/** Bitmap replay window over 48-bit (SRTP) or 31-bit (SRTCP) indices. */
export class ReplayWindow {
  private readonly bits: Uint8Array;
  private highest = -1;

  /** @param size window size in packets. Default 128 (RFC 3711 §3.3.2 requires >= 64). */
  constructor(private readonly size = 128) {
    if (size < 64) throw new RangeError('RFC 3711 §3.3.2: replay window must be at least 64');
    this.bits = new Uint8Array(size);
  }

  /** May a packet with this index be accepted (if it authenticates)? */
  check(index: number): ReplayCheck {
    if (index > this.highest) return 'ok';
    if (this.highest - index >= this.size) return 'too-old';
    return this.bits[index % this.size] ? 'replay' : 'ok';
  }

  /** Record an authenticated index. */
  accept(index: number): void {
    if (index > this.highest) {
      const advance = this.highest < 0 ? this.size : index - this.highest;
      if (advance >= this.size) this.bits.fill(0);
      else for (let i = this.highest + 1; i < index; i++) this.bits[i % this.size] = 0;
      this.highest = index;
    }
    this.bits[index % this.size] = 1;
  }
}
