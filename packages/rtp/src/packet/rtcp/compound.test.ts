import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRtcpCompound, serializeRtcpCompound } from './compound.js';
import { cnameSourceDescription, serializeSourceDescription } from './source-description.js';
import { serializeSenderReport } from './sender-report.js';
import { msToDlsr, ntpFromUnixMs, ntpMiddle32, ntpToUnixMs, roundTripMs } from './ntp-time.js';
import type { RtcpPacket, RtcpReportBlock } from './types.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const block: fc.Arbitrary<RtcpReportBlock> = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSeq: u32,
  jitter: u32,
  lastSr: u32,
  delaySinceLastSr: u32,
});
const words = fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a.subarray(0, a.length & ~3)));
const text = fc.string({ maxLength: 40 });
const packet: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({
    type: fc.constant('sr' as const),
    ssrc: u32,
    ntpSeconds: u32,
    ntpFraction: u32,
    rtpTimestamp: u32,
    packetCount: u32,
    octetCount: u32,
    reports: fc.array(block, { maxLength: 31 }),
  }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(block, { maxLength: 31 }) }),
  fc.record({
    type: fc.constant('sdes' as const),
    chunks: fc.array(
      fc.record({
        ssrc: u32,
        items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), text }), { maxLength: 4 }),
      }),
      { maxLength: 5 },
    ),
  }),
  fc.record(
    { type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: text },
    { requiredKeys: ['type', 'ssrcs'] },
  ),
  fc.record({
    type: fc.constant('raw' as const),
    packetType: fc.constantFrom(204, 205, 206, 207),
    count: fc.integer({ min: 0, max: 31 }),
    body: words,
  }),
);

const sr = {
  type: 'sr' as const,
  ssrc: 0x11223344,
  ntpSeconds: 0xe8d4a510,
  ntpFraction: 0x80000000,
  rtpTimestamp: 160000,
  packetCount: 1000,
  octetCount: 160000,
  reports: [
    {
      ssrc: 0xaabbccdd,
      fractionLost: 25,
      cumulativeLost: -3,
      highestSeq: 0x0001fffe,
      jitter: 42,
      lastSr: 0xa5108000,
      delaySinceLastSr: 65536,
    },
  ],
};

describe('RTCP compound (RFC 3550 §6, §A.2)', () => {
  it('SR + SDES(CNAME) + BYE round-trip byte-exactly with known layout', () => {
    const packets: RtcpPacket[] = [
      sr,
      cnameSourceDescription(0x11223344, 'va@10.0.0.2'),
      { type: 'bye', ssrcs: [0x11223344], reason: 'hangup' },
    ];
    const buf = serializeRtcpCompound(packets);
    // SR: 4 header + 24 sender info + 24 block = 52 bytes, length field 12.
    expect(buf.subarray(0, 4).toString('hex')).toBe('81c8000c');
    // Cumulative lost -3 is 0xfffffd in 24 bits, after fraction 25 (0x19).
    expect(buf.subarray(32, 36).toString('hex')).toBe('19fffffd');
    // SDES: header, SSRC, CNAME(1) len 11, text, null + pad -> 4+4+2+11+1 = 22 -> 24 bytes.
    expect(buf.subarray(52, 58).toString('hex')).toBe('81ca00051122');
    expect(buf.length).toBe(52 + 24 + 16);
    const parsed = parseRtcpCompound(buf);
    expect(parsed).toEqual({ ok: true, packets });
  });

  it('keeps RTPFB / PSFB / XR packets raw', () => {
    const nack = {
      type: 'raw' as const,
      packetType: 205,
      count: 1,
      body: Buffer.from('1122334455667788000a0000', 'hex'),
    };
    const pli = {
      type: 'raw' as const,
      packetType: 206,
      count: 1,
      body: Buffer.from('1122334455667788', 'hex'),
    };
    const buf = serializeRtcpCompound([{ type: 'rr', ssrc: 1, reports: [] }, nack, pli]);
    const r = parseRtcpCompound(buf);
    expect(r.ok && r.packets.slice(1)).toEqual([nack, pli]);
  });

  it('handles padding on the last packet only', () => {
    const rr = serializeRtcpCompound([{ type: 'rr', ssrc: 7, reports: [] }]);
    const padded = Buffer.concat([rr, Buffer.from([0, 0, 0, 4])]);
    padded[0] = padded[0]! | 0x20;
    padded.writeUInt16BE(2, 2);
    expect(parseRtcpCompound(padded)).toEqual({ ok: true, packets: [{ type: 'rr', ssrc: 7, reports: [] }] });
    const twice = Buffer.concat([padded, rr]);
    twice.writeUInt16BE(2, 2);
    expect(parseRtcpCompound(twice)).toMatchObject({ ok: false });
  });

  it('rejects §A.2 violations', () => {
    const good = serializeRtcpCompound([sr, cnameSourceDescription(1, 'x')]);
    const badVersion = Buffer.from(good);
    badVersion[0] = 0x41;
    expect(parseRtcpCompound(badVersion).ok).toBe(false);
    const badLength = Buffer.from(good);
    badLength.writeUInt16BE(13, 2);
    expect(parseRtcpCompound(badLength).ok).toBe(false);
    expect(parseRtcpCompound(good.subarray(0, good.length - 4)).ok).toBe(false);
    const sdesFirst = serializeSourceDescription(cnameSourceDescription(1, 'x'));
    expect(parseRtcpCompound(sdesFirst).ok).toBe(false);
    expect(parseRtcpCompound(sdesFirst, { allowReducedSize: true }).ok).toBe(true);
    const srShort = serializeSenderReport({ ...sr, reports: [] });
    srShort[0] = 0x81; // claims one report block that is not there
    expect(parseRtcpCompound(srShort).ok).toBe(false);
    expect(parseRtcpCompound(Buffer.alloc(0)).ok).toBe(false);
  });

  it('serialize -> parse is the identity for arbitrary packets (property)', () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), (ps) => {
        const buf = serializeRtcpCompound(ps);
        const r = parseRtcpCompound(buf, { allowReducedSize: true });
        expect(r).toEqual({ ok: true, packets: ps });
        expect(serializeRtcpCompound(r.ok ? r.packets : [])).toEqual(buf);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on hostile bytes (fuzz), including mutated valid packets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        parseRtcpCompound(Buffer.from(b));
        parseRtcpCompound(Buffer.from(b), { allowReducedSize: true });
      }),
      { numRuns: 2000 },
    );
    const base = serializeRtcpCompound([
      sr,
      cnameSourceDescription(1, 'cname'),
      { type: 'bye', ssrcs: [1], reason: 'x' },
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const m = Buffer.from(base);
        m[i] = v;
        parseRtcpCompound(m, { allowReducedSize: true });
      }),
      { numRuns: 2000 },
    );
  });

  it('throws RangeError for programmer misuse (> 31 blocks)', () => {
    expect(() => serializeRtcpCompound([{ ...sr, reports: Array(32).fill(sr.reports[0]) }])).toThrow(
      RangeError,
    );
  });
});

describe('NTP time helpers (RFC 3550 §4)', () => {
  it('converts Unix ms and back', () => {
    const t = Date.UTC(2026, 10, 25, 5, 0, 0, 250);
    const ntp = ntpFromUnixMs(t);
    expect(ntp.fraction).toBe(0x40000000);
    expect(ntpToUnixMs(ntp)).toBeCloseTo(t, 3);
  });
  it('computes LSR and RTT (A - LSR - DLSR)', () => {
    const sent = ntpFromUnixMs(1_000_000);
    const lsr = ntpMiddle32(sent);
    const arrival = ntpMiddle32(ntpFromUnixMs(1_000_000 + 150));
    expect(roundTripMs(arrival, lsr, msToDlsr(100))).toBeCloseTo(50, 0);
    expect(roundTripMs(arrival, 0, 0)).toBeUndefined();
  });
});
