/**
 * The RTCP side of a session: periodic SR/RR + SDES reports (RFC 3550 §6.2 timing),
 * BYE on close (§6.6), SRTCP protection (RFC 3711 §3.4), RTT from received reports.
 * Driven by the session's media-clock ticks; sends through a callback.
 */
import { parseRtcpCompound } from '../packet/rtcp/compound.js';
import type { SrtpContext } from '../srtp/srtp-context.js';
import type { ReceiveStatistics } from './receive-statistics.js';
import { rtcpIntervalMs } from './rtcp-interval.js';
import { RtcpReporter, type RtcpSenderState } from './rtcp-reporter.js';

/** Options of {@link RtcpChannel}. */
export interface RtcpChannelOptions {
  /** SDES CNAME (RFC 3550 §6.5.1). */
  cname: string;
  /** Receive statistics of the session (report blocks). */
  recv: ReceiveStatistics;
  /** Current sender state (SSRC, counts, RTP timestamp now). */
  senderState: (monoMs: number) => RtcpSenderState;
  /** Transmit one (already protected) compound packet. */
  send: (packet: Buffer) => void;
  /** Current SRTP contexts (SRTCP protection of what we send / verification of what we receive, RFC 3711 §3.4). */
  srtp?: () => { tx?: SrtpContext; rx?: SrtpContext };
  /** Wall clock in ms since the Unix epoch. Default `Date.now`. */
  wallClock?: () => number;
  /** Uniform [0, 1) source for interval randomization. Default `Math.random`. */
  random?: () => number;
}

/** Outcome of {@link RtcpChannel.receive}. */
export type RtcpReceiveOutcome = 'ok' | 'bye' | 'srtp-failed' | 'malformed';

/** RTCP scheduling and I/O helper for one RTP session. */
export class RtcpChannel {
  private readonly reporter: RtcpReporter;
  private readonly wall: () => number;
  private readonly random: () => number;
  private nextAtMs: number | undefined;
  /** Compounds sent. */
  sent = 0;
  /** Valid compounds received. */
  received = 0;
  /** Latest RTT from LSR/DLSR (RFC 3550 §6.4.1), ms. */
  rttMs: number | undefined;

  constructor(private readonly o: RtcpChannelOptions) {
    this.reporter = new RtcpReporter(o.cname, o.recv);
    this.wall = o.wallClock ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /** Call on every session tick. Sends a report when due. */
  tick(monoMs: number): void {
    if (this.nextAtMs === undefined) {
      this.nextAtMs = monoMs + rtcpIntervalMs(true, this.random);
      return;
    }
    if (monoMs < this.nextAtMs) return;
    this.nextAtMs = monoMs + rtcpIntervalMs(false, this.random);
    this.transmit(monoMs, false);
  }

  /** Send the final SR/RR + SDES + BYE (RFC 3550 §6.6). */
  bye(monoMs: number): void {
    this.transmit(monoMs, true);
  }

  /** Handle one received (S)RTCP datagram. Never throws. */
  receive(data: Buffer, localSsrc: number, monoMs: number): RtcpReceiveOutcome {
    let plain = data;
    const rx = this.o.srtp?.().rx;
    if (rx) {
      const u = rx.unprotectRtcp(data);
      if (!u.ok) return 'srtp-failed';
      plain = u.packet;
    }
    const r = parseRtcpCompound(plain, { allowReducedSize: true });
    if (!r.ok) return 'malformed';
    this.received++;
    const res = this.reporter.receive(r.packets, localSsrc, this.wall(), monoMs);
    if (res.rttMs !== undefined) this.rttMs = res.rttMs;
    return res.bye ? 'bye' : 'ok';
  }

  private transmit(monoMs: number, bye: boolean): void {
    const compound = this.reporter.build(this.o.senderState(monoMs), this.wall(), monoMs, bye);
    const tx = this.o.srtp?.().tx;
    this.o.send(tx ? tx.protectRtcp(compound) : compound);
    this.sent++;
  }
}
