/**
 * RTCP report generation and consumption for one session (RFC 3550 §6.4): builds the
 * SR/RR + SDES (+ BYE) compound packet from the sender counters and receive statistics,
 * and extracts LSR/DLSR bookkeeping and the round-trip time from received reports.
 * Pure: wall-clock and monotonic times are passed in.
 */
import { serializeRtcpCompound } from '../packet/rtcp/compound.js';
import { msToDlsr, ntpFromUnixMs, ntpMiddle32, roundTripMs } from '../packet/rtcp/ntp-time.js';
import { cnameSourceDescription } from '../packet/rtcp/source-description.js';
import type { RtcpPacket, RtcpReportBlock } from '../packet/rtcp/types.js';
import type { ReceiveStatistics } from './receive-statistics.js';

/** Sender-side inputs of a report. */
export interface RtcpSenderState {
  readonly ssrc: number;
  readonly packetCount: number;
  readonly octetCount: number;
  /** RTP timestamp corresponding to `wallMs` (RFC 3550 §6.4.1). */
  readonly rtpTimestamp: number;
}

/** What was learned from one received compound packet. */
export interface RtcpReceiveResult {
  /** RTT in ms from a report block about us, if present. */
  readonly rttMs?: number;
  /** The remote said BYE. */
  readonly bye: boolean;
}

/** Builds and consumes RTCP compounds for one local source. */
export class RtcpReporter {
  private lastSrMiddle32 = 0;
  private lastSrArrivalMs = 0;
  private packetsAtLastReport = -1;

  constructor(
    private readonly cname: string,
    private readonly recv: ReceiveStatistics,
  ) {}

  /**
   * Build a compound report. An SR when we sent RTP since the previous report (RFC 3550
   * §6.4), else an RR; then SDES CNAME (§6.1 mandatory); then BYE when `bye` is set (§6.6).
   * @param wallMs wall-clock ms since the Unix epoch (for the NTP timestamp).
   * @param monoMs monotonic ms (for DLSR).
   */
  build(sender: RtcpSenderState, wallMs: number, monoMs: number, bye = false): Buffer {
    const reports: RtcpReportBlock[] = [];
    const r = this.recv.report();
    if (r) {
      reports.push({
        ssrc: r.ssrc,
        fractionLost: r.fractionLost,
        cumulativeLost: r.cumulativeLost,
        highestSeq: r.extendedHighestSeq,
        jitter: r.jitter,
        lastSr: this.lastSrMiddle32,
        delaySinceLastSr: this.lastSrMiddle32 === 0 ? 0 : msToDlsr(monoMs - this.lastSrArrivalMs),
      });
    }
    const sentSince = sender.packetCount !== this.packetsAtLastReport && sender.packetCount > 0;
    this.packetsAtLastReport = sender.packetCount;
    const packets: RtcpPacket[] = [];
    if (sentSince) {
      const ntp = ntpFromUnixMs(wallMs);
      packets.push({
        type: 'sr',
        ssrc: sender.ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp: sender.rtpTimestamp >>> 0,
        packetCount: sender.packetCount >>> 0,
        octetCount: sender.octetCount >>> 0,
        reports,
      });
    } else {
      packets.push({ type: 'rr', ssrc: sender.ssrc, reports });
    }
    packets.push(cnameSourceDescription(sender.ssrc, this.cname));
    if (bye) packets.push({ type: 'bye', ssrcs: [sender.ssrc] });
    return serializeRtcpCompound(packets);
  }

  /** Consume a parsed compound from the remote. */
  receive(
    packets: readonly RtcpPacket[],
    localSsrc: number,
    wallMs: number,
    monoMs: number,
  ): RtcpReceiveResult {
    let rttMs: number | undefined;
    let bye = false;
    for (const p of packets) {
      if (p.type === 'sr') {
        // RFC 3550 §6.4.1: remember the SR for the LSR/DLSR of our next report.
        this.lastSrMiddle32 = ntpMiddle32({ seconds: p.ntpSeconds, fraction: p.ntpFraction });
        this.lastSrArrivalMs = monoMs;
      }
      if (p.type === 'sr' || p.type === 'rr') {
        for (const b of p.reports) {
          if (b.ssrc !== localSsrc) continue;
          const rtt = roundTripMs(ntpMiddle32(ntpFromUnixMs(wallMs)), b.lastSr, b.delaySinceLastSr);
          if (rtt !== undefined) rttMs = rtt;
        }
      } else if (p.type === 'bye') {
        bye = true;
      }
    }
    return rttMs === undefined ? { bye } : { rttMs, bye };
  }
}
