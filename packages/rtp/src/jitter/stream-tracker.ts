/**
 * Maps incoming RTP sequence numbers and timestamps onto one continuous, extended
 * timeline for the jitter buffer (pure, no timers).
 *
 * - Extended sequence numbers count 16-bit wrap cycles (RFC 3550 §A.1).
 * - Large jumps are accepted only after a confirming in-sequence packet (RFC 3550 §A.1
 *   "probation"), or at once when the marker bit flags a talkspurt start (RFC 3551 §4.1).
 * - An SSRC change (RFC 3550 §8.2: a new source) and an inconsistent timestamp jump are
 *   rebased so the new packets continue right after the last ones: extended seq + 1 and a
 *   timestamp advanced by the elapsed wall-clock time, so playout goes on without a glitch.
 */
import type { RtpPacket } from '../packet/types.js';

/** RFC 3550 §A.1: largest forward jump accepted without probation. */
export const MAX_DROPOUT = 3000;
/** RFC 3550 §A.1: largest backward step still treated as reordering. */
export const MAX_MISORDER = 100;
const TS_MOD = 0x1_0000_0000;

/** Result of {@link StreamTracker.track}. */
export type TrackResult =
  | {
      readonly ok: true;
      /** Extended sequence number (monotonic across wraps and rebases). */
      readonly extSeq: number;
      /** Extended timestamp in clock ticks (continuous across wraps and rebases). */
      readonly tsExt: number;
      /** True when the packet is older than the highest one seen (reordered). */
      readonly reordered: boolean;
      /** True when this packet started a new mapping (first packet, SSRC change, jump). */
      readonly resync: boolean;
    }
  | { readonly ok: false; readonly reason: 'stale-ssrc' | 'probation' };

type TrackOk = Extract<TrackResult, { ok: true }>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const STALE: TrackResult = Object.freeze({ ok: false, reason: 'stale-ssrc' });
const PROBATION: TrackResult = Object.freeze({ ok: false, reason: 'probation' });

/**
 * Sequence/timestamp unwrapper with resynchronisation. {@link StreamTracker.track}
 * returns one reused result object (no allocation per packet): read it before the next
 * call.
 */
export class StreamTracker {
  private readonly result: Mutable<TrackOk> = {
    ok: true,
    extSeq: 0,
    tsExt: 0,
    reordered: false,
    resync: false,
  };
  private ssrc: number | undefined;
  private previousSsrc: number | undefined;
  private seqShift = 0;
  private tsShift = 0;
  private highestExt = 0;
  private lastTsRaw = 0;
  private lastTsExt = 0;
  private lastArrivalMs = 0;
  private badSeq = -1;
  /** Number of rebases so far (SSRC changes, sequence or timestamp jumps). */
  resyncs = 0;

  /**
   * @param frameTicks RTP ticks per frame (160 for 20 ms at 8 kHz).
   * @param clockRate RTP clock rate in Hz.
   * @param maxTimestampJumpMs timestamp/arrival disagreement that triggers a rebase. Default 2000 ms.
   */
  constructor(
    private readonly frameTicks: number,
    private readonly clockRate: number,
    private readonly maxTimestampJumpMs = 2000,
  ) {}

  /** The SSRC currently tracked, if any. */
  get currentSsrc(): number | undefined {
    return this.ssrc;
  }

  /**
   * Extended sequence number a packet of the current stream would get, without changing
   * any state (for non-audio packets sharing the sequence space); `undefined` if unknown.
   */
  peek(packet: RtpPacket): number | undefined {
    if (this.ssrc === undefined || packet.ssrc !== this.ssrc) return undefined;
    const s = (packet.sequenceNumber + this.seqShift) & 0xffff;
    const delta = ((s - (this.highestExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return delta >= MAX_DROPOUT || delta < -MAX_MISORDER ? undefined : this.highestExt + delta;
  }

  /** Map one packet. Never throws. The result object is reused by the next call. */
  track(packet: RtpPacket, arrivalMs: number): TrackResult {
    if (this.ssrc === undefined) {
      this.ssrc = packet.ssrc;
      this.highestExt = 0x10000 + packet.sequenceNumber; // keeps early reordered packets positive
      this.lastTsRaw = packet.timestamp >>> 0;
      this.lastTsExt = this.lastTsRaw;
      this.lastArrivalMs = arrivalMs;
      return this.ok(this.highestExt, this.lastTsExt, false, true);
    }
    if (packet.ssrc !== this.ssrc) {
      // Stragglers of the source we just left are stale, not a switch back.
      if (packet.ssrc === this.previousSsrc) return STALE;
      this.previousSsrc = this.ssrc;
      this.ssrc = packet.ssrc;
      return this.rebase(packet, arrivalMs, true, 1);
    }
    const s = (packet.sequenceNumber + this.seqShift) & 0xffff;
    const delta = ((s - (this.highestExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    if (delta >= MAX_DROPOUT || delta < -MAX_MISORDER) {
      // RFC 3550 §A.1: a big jump is a restart only when the next packet confirms it.
      if (packet.marker || s === this.badSeq) return this.rebase(packet, arrivalMs, true, 1);
      this.badSeq = (s + 1) & 0xffff;
      return PROBATION;
    }
    this.badSeq = -1;
    const extSeq = this.highestExt + delta;
    const t = (packet.timestamp + this.tsShift) >>> 0;
    const tsExt = this.lastTsExt + ((t - this.lastTsRaw) | 0);
    if (delta > 0) {
      const tsMs = ((tsExt - this.lastTsExt) * 1000) / this.clockRate;
      if (Math.abs(tsMs - (arrivalMs - this.lastArrivalMs)) > this.maxTimestampJumpMs) {
        // Timestamp discontinuity without an SSRC change (sender restart): keep seq, rebase ts.
        return this.rebase(packet, arrivalMs, false, delta);
      }
      this.highestExt = extSeq;
      this.lastTsRaw = t;
      this.lastTsExt = tsExt;
      this.lastArrivalMs = arrivalMs;
    }
    return this.ok(extSeq, tsExt, delta < 0, false);
  }

  private ok(extSeq: number, tsExt: number, reordered: boolean, resync: boolean): TrackResult {
    const r = this.result;
    r.extSeq = extSeq;
    r.tsExt = tsExt;
    r.reordered = reordered;
    r.resync = resync;
    return r;
  }

  private rebase(packet: RtpPacket, arrivalMs: number, newSeq: boolean, seqDelta: number): TrackResult {
    this.resyncs++;
    this.badSeq = -1;
    const extSeq = this.highestExt + seqDelta;
    if (newSeq) this.seqShift = (extSeq - packet.sequenceNumber) & 0xffff;
    // Advance the timestamp by the elapsed wall-clock time in whole frames (at least the
    // sequence distance) so the relative delay of the new stream matches the old one.
    const frames = Math.max(seqDelta, Math.round((arrivalMs - this.lastArrivalMs) / this.frameMs()));
    const tsExt = this.lastTsExt + frames * this.frameTicks;
    const tsRaw = ((tsExt % TS_MOD) + TS_MOD) % TS_MOD;
    this.tsShift = (tsRaw - packet.timestamp) >>> 0;
    this.highestExt = extSeq;
    this.lastTsRaw = tsRaw;
    this.lastTsExt = tsExt;
    this.lastArrivalMs = arrivalMs;
    return this.ok(extSeq, tsExt, false, true);
  }

  private frameMs(): number {
    return (this.frameTicks * 1000) / this.clockRate;
  }
}
