/**
 * Learns the packet duration of a stream from the timestamp step between consecutive
 * sequence numbers (RFC 3551 §4.5: a packet's duration follows from the timestamps), so
 * a peer that ignores our `a=ptime` still plays at the right speed. Pure.
 */

/** Votes needed before a new step is adopted. */
const VOTES = 3;

/** Packet-duration estimator in RTP ticks. */
export class PacketDurationLearner {
  private ticks: number;
  private candidate = 0;
  private votes = 0;
  private last: { extSeq: number; tsExt: number } | undefined;

  /**
   * @param clockRate RTP clock rate in Hz.
   * @param initialTicks the negotiated ptime in ticks.
   */
  constructor(
    private readonly clockRate: number,
    initialTicks: number,
  ) {
    this.ticks = initialTicks;
  }

  /**
   * Feed one accepted packet; returns the packet duration in ticks now in force. A new
   * step needs three consecutive votes; steps outside 5..120 ms (silence gaps) are ignored.
   */
  observe(extSeq: number, tsExt: number, resync: boolean): number {
    const prev = this.last;
    if (resync || !prev || extSeq > prev.extSeq) this.last = { extSeq, tsExt };
    if (resync || !prev || extSeq !== prev.extSeq + 1) return this.ticks;
    const step = tsExt - prev.tsExt;
    const tenMs = this.clockRate / 100;
    if (step === this.ticks || step < tenMs / 2 || step > 12 * tenMs) {
      this.votes = 0;
      return this.ticks;
    }
    if (step !== this.candidate) {
      this.candidate = step;
      this.votes = 0;
    }
    if (++this.votes >= VOTES) {
      this.ticks = step;
      this.votes = 0;
    }
    return this.ticks;
  }
}
