/**
 * Per-source receive statistics (RFC 3550 §6.4.1, Appendix A.1, A.3, A.8). Pure: fed with
 * packet fields and arrival times, no sockets or timers. Provides the report-block fields
 * of a Receiver Report and the figures shown by `RtpSession.stats()`.
 */

/** RFC 3550 §A.1: largest forward jump accepted without probation. */
const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: largest backward step still treated as reordering. */
const MAX_MISORDER = 100;

/** Report-block fields (RFC 3550 §6.4.1) for one source. */
export interface ReceptionReport {
  readonly ssrc: number;
  /** Fraction lost since the previous report, 0..255 (8-bit fixed point). */
  readonly fractionLost: number;
  /** Cumulative packets lost (24-bit signed, clamped). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | max seq). */
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in RTP timestamp units (truncated). */
  readonly jitter: number;
}

/** RFC 3550 receive-side statistics for the current remote SSRC. */
export class ReceiveStatistics {
  private ssrc: number | undefined;
  private previousSsrc: number | undefined;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = -1;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitterTicks = 0;
  /** Bytes of RTP payload received (all sources). */
  payloadBytes = 0;
  /** Packets received (all sources, before validation). */
  packets = 0;

  /** @param clockRate RTP clock rate in Hz, to express arrival times in timestamp units. */
  constructor(private readonly clockRate: number) {}

  /** The SSRC being tracked, if any. */
  get sourceSsrc(): number | undefined {
    return this.ssrc;
  }

  /** Record one received RTP packet. */
  update(ssrc: number, seq: number, timestamp: number, arrivalMs: number, payloadLength: number): void {
    this.packets++;
    this.payloadBytes += payloadLength;
    if (ssrc !== this.ssrc) {
      if (ssrc === this.previousSsrc) return; // stragglers of the source we left
      // RFC 3550 §8.2: a new SSRC is a new source; restart its statistics.
      this.previousSsrc = this.ssrc;
      this.ssrc = ssrc;
      this.initSeq(seq);
      this.transit = undefined;
      this.jitterTicks = 0;
    } else {
      // RFC 3550 §A.1 update_seq
      const udelta = (seq - this.maxSeq) & 0xffff;
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      } else if (udelta <= 0x10000 - MAX_MISORDER) {
        if (seq === this.badSeq) {
          this.initSeq(seq); // two sequential packets: the source restarted
        } else {
          this.badSeq = (seq + 1) & 0xffff;
          return;
        }
      }
      // else: duplicate or reordered packet, counted below
    }
    this.receivedCount++;
    // RFC 3550 §A.8: J += (|D(i-1,i)| - J) / 16, in timestamp units.
    const arrivalTicks = (arrivalMs * this.clockRate) / 1000;
    const transit = arrivalTicks - timestamp;
    if (this.transit !== undefined) {
      let d = Math.abs(transit - this.transit);
      if (d > 0x8000_0000) d = Math.abs(d - 0x1_0000_0000); // timestamp wrapped
      this.jitterTicks += (d - this.jitterTicks) / 16;
    }
    this.transit = transit;
  }

  /** Extended highest sequence number (RFC 3550 §6.4.1). */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected so far (RFC 3550 §A.3). */
  get expected(): number {
    return this.ssrc === undefined ? 0 : this.extendedHighestSeq - this.baseSeq + 1;
  }

  /** Packets received from the current source (duplicates included, as in §A.3). */
  get received(): number {
    return this.receivedCount;
  }

  /** Cumulative lost (RFC 3550 §A.3), clamped to the 24-bit signed range. */
  get cumulativeLost(): number {
    return Math.max(-0x800000, Math.min(0x7fffff, this.expected - this.receivedCount));
  }

  /** Interarrival jitter in ms. */
  get jitterMs(): number {
    return (this.jitterTicks * 1000) / this.clockRate;
  }

  /**
   * Build a report block and start a new reporting interval (RFC 3550 §A.3: the fraction
   * lost covers the packets since the previous call). `undefined` before any packet.
   */
  report(): ReceptionReport | undefined {
    if (this.ssrc === undefined) return undefined;
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: this.cumulativeLost,
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitterTicks) >>> 0,
    };
  }

  private initSeq(seq: number): void {
    // RFC 3550 §A.1 init_seq
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = -1;
    this.cycles = 0;
    this.receivedCount = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }
}
