/**
 * SRTP packet index estimation (RFC 3711 §3.3.1 and Appendix A): the 48-bit index is
 * ROC * 2^16 + SEQ, and the receiver guesses the ROC of each packet from the highest
 * sequence number seen (s_l), then commits the guess only after authentication.
 */

/** Per-SSRC rollover state. */
export class RolloverCounter {
  private roc: number;
  private sl: number | undefined;

  /** @param initialRoc ROC to start from (0 unless signalled otherwise). */
  constructor(initialRoc = 0) {
    this.roc = initialRoc;
  }

  /** Current ROC. */
  get value(): number {
    return this.roc;
  }

  /** RFC 3711 Appendix A: the estimated ROC `v` for a sequence number. */
  estimate(seq: number): number {
    const sl = this.sl;
    if (sl === undefined) return this.roc;
    if (sl < 0x8000) {
      return seq - sl > 0x8000 ? Math.max(0, this.roc - 1) : this.roc;
    }
    return sl - 0x8000 > seq ? this.roc + 1 : this.roc;
  }

  /** Commit an authenticated packet (§3.3.1: update ROC and s_l). */
  update(seq: number, v: number): void {
    if (this.sl === undefined) {
      this.sl = seq;
      this.roc = v;
    } else if (v === this.roc + 1) {
      this.roc = v;
      this.sl = seq;
    } else if (v === this.roc && seq > this.sl) {
      this.sl = seq;
    }
  }

  /**
   * Sender side (§3.3.1): the index of the next packet to protect, assuming the sender
   * sends sequence numbers in order. Increments the ROC when the sequence number wraps.
   */
  next(seq: number): number {
    if (this.sl !== undefined && seq < this.sl && this.sl - seq > 0x8000) this.roc++;
    if (this.sl === undefined || seq > this.sl || this.sl - seq > 0x8000) this.sl = seq;
    return this.roc * 0x10000 + seq;
  }
}
