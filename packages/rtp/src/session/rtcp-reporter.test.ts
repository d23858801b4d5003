import { describe, expect, it } from 'vitest';
import { parseRtcpCompound } from '../packet/rtcp/compound.js';
import { ReceiveStatistics } from './receive-statistics.js';
import { rtcpIntervalMs } from './rtcp-interval.js';
import { RtcpReporter } from './rtcp-reporter.js';

const WALL = 1_700_000_000_000;

describe('rtcpIntervalMs (RFC 3550 §6.2)', () => {
  it('halves the first interval and randomizes to [0.5, 1.5] x 5 s', () => {
    expect(rtcpIntervalMs(true, () => 0)).toBe(1250);
    expect(rtcpIntervalMs(false, () => 0)).toBe(2500);
    expect(rtcpIntervalMs(false, () => 0.999999)).toBeCloseTo(7500, 0);
  });
});

describe('RtcpReporter', () => {
  it('sends RR + SDES before any media, SR after, and BYE last', () => {
    const recv = new ReceiveStatistics(8000);
    const r = new RtcpReporter('me@example', recv);
    const rr = parseRtcpCompound(
      r.build({ ssrc: 1, packetCount: 0, octetCount: 0, rtpTimestamp: 0 }, WALL, 0),
    );
    expect(rr.ok && rr.packets.map((p) => p.type)).toEqual(['rr', 'sdes']);
    for (let i = 0; i < 50; i++) recv.update(9, 100 + i, i * 160, i * 20, 160);
    const sr = parseRtcpCompound(
      r.build({ ssrc: 1, packetCount: 10, octetCount: 1600, rtpTimestamp: 1234 }, WALL, 1000, true),
    );
    expect(sr.ok).toBe(true);
    if (!sr.ok) return;
    expect(sr.packets.map((p) => p.type)).toEqual(['sr', 'sdes', 'bye']);
    const p0 = sr.packets[0]!;
    expect(p0.type === 'sr' && p0.packetCount).toBe(10);
    expect(p0.type === 'sr' && p0.rtpTimestamp).toBe(1234);
    expect(p0.type === 'sr' && p0.reports[0]?.ssrc).toBe(9);
    expect(p0.type === 'sr' && p0.reports[0]?.highestSeq).toBe(149);
  });

  it('echoes LSR/DLSR and computes the round-trip time (RFC 3550 §6.4.1)', () => {
    const aRecv = new ReceiveStatistics(8000);
    const bRecv = new ReceiveStatistics(8000);
    const a = new RtcpReporter('a', aRecv);
    const b = new RtcpReporter('b', bRecv);
    aRecv.update(2, 1, 0, 0, 160);
    bRecv.update(1, 1, 0, 0, 160);
    // A sends an SR at t=0; it reaches B after 40 ms; B answers 500 ms later; 40 ms back.
    const sr = parseRtcpCompound(
      a.build({ ssrc: 1, packetCount: 5, octetCount: 800, rtpTimestamp: 0 }, WALL, 0),
    );
    if (!sr.ok) throw new Error(sr.reason);
    b.receive(sr.packets, 2, WALL + 40, 40);
    const rr = parseRtcpCompound(
      b.build({ ssrc: 2, packetCount: 0, octetCount: 0, rtpTimestamp: 0 }, WALL + 540, 540),
    );
    if (!rr.ok) throw new Error(rr.reason);
    const res = a.receive(rr.packets, 1, WALL + 580, 580);
    expect(res.bye).toBe(false);
    expect(res.rttMs).toBeGreaterThan(79);
    expect(res.rttMs).toBeLessThan(81);
  });
});
