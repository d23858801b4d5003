import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildExtensionData,
  isRtcpPacket,
  parseRtpPacket,
  serializeRtpPacket,
  writeRtpHeader,
} from './rtp-packet.js';
import type { RtpPacket } from './types.js';

const base: RtpPacket = {
  version: 2,
  padding: false,
  marker: true,
  payloadType: 0,
  sequenceNumber: 0x1234,
  timestamp: 0xdeadbeef,
  ssrc: 0xcafebabe,
  csrc: [],
  payload: Buffer.from([1, 2, 3, 4]),
  paddingLength: 0,
};

function mustParse(buf: Buffer): RtpPacket {
  const r = parseRtpPacket(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.packet;
}

describe('parseRtpPacket', () => {
  it('parses a minimal packet', () => {
    const buf = Buffer.from('80e01234deadbeefcafebabe01020304', 'hex');
    const p = mustParse(buf);
    expect(p.marker).toBe(true);
    expect(p.payloadType).toBe(96);
    expect(p.sequenceNumber).toBe(0x1234);
    expect(p.timestamp).toBe(0xdeadbeef);
    expect(p.ssrc).toBe(0xcafebabe);
    expect([...p.payload]).toEqual([1, 2, 3, 4]);
  });

  it('rejects short, wrong version, bad CSRC/extension/padding', () => {
    expect(parseRtpPacket(Buffer.alloc(11)).ok).toBe(false);
    expect(parseRtpPacket(Buffer.from('40001234deadbeefcafebabe', 'hex')).ok).toBe(false);
    expect(parseRtpPacket(Buffer.from('81001234deadbeefcafebabe', 'hex')).ok).toBe(false);
    expect(parseRtpPacket(Buffer.from('90001234deadbeefcafebabebede0001', 'hex')).ok).toBe(false);
    expect(parseRtpPacket(Buffer.from('a0001234deadbeefcafebabe0100', 'hex')).ok).toBe(false);
    expect(parseRtpPacket(Buffer.from('a0001234deadbeefcafebabe0105', 'hex')).ok).toBe(false);
  });

  it('parses CSRCs and padding', () => {
    const buf = Buffer.from('a2001234deadbeefcafebabe0000000100000002aabb0002', 'hex');
    const p = mustParse(buf);
    expect(p.csrc).toEqual([1, 2]);
    expect([...p.payload]).toEqual([0xaa, 0xbb]);
    expect(p.paddingLength).toBe(2);
    expect(serializeRtpPacket(p).equals(buf)).toBe(true);
  });

  it('parses one-byte RFC 8285 elements with padding and stop at ID 15', () => {
    // id 1 len 1 (0x10 -> 1 byte), pad, id 2 len 2, then id 15
    const ext = Buffer.from('10aa0022bbccdd00f0000000', 'hex');
    const hdr = Buffer.from('90001234deadbeefcafebabebede0003', 'hex');
    const p = mustParse(Buffer.concat([hdr, ext, Buffer.from([9])]));
    expect(p.extension?.profile).toBe(0xbede);
    expect(p.extension?.elements.map((e) => [e.id, e.data.toString('hex')])).toEqual([
      [1, 'aa'],
      [2, 'bbccdd'],
    ]);
    expect([...p.payload]).toEqual([9]);
  });

  it('parses two-byte RFC 8285 elements', () => {
    const ext = Buffer.from('0102aabb00300000', 'hex');
    const hdr = Buffer.from('90001234deadbeefcafebabe10000002', 'hex');
    const p = mustParse(Buffer.concat([hdr, ext]));
    expect(p.extension?.elements.map((e) => [e.id, e.data.toString('hex')])).toEqual([
      [1, 'aabb'],
      [0x30, ''],
    ]);
  });

  it('keeps unknown extension profiles raw', () => {
    const p = mustParse(Buffer.from('90001234deadbeefcafebabe12340001aabbccdd', 'hex'));
    expect(p.extension?.profile).toBe(0x1234);
    expect(p.extension?.elements).toEqual([]);
    expect(p.extension?.data.toString('hex')).toBe('aabbccdd');
  });
});

describe('serializeRtpPacket / writeRtpHeader', () => {
  it('builds extensions from elements', () => {
    const data = buildExtensionData(0xbede, [{ id: 3, data: Buffer.from([7, 8]) }]);
    expect(data.toString('hex')).toBe('31070800');
    const buf = serializeRtpPacket({
      ...base,
      extension: { profile: 0xbede, data: Buffer.alloc(0), elements: [{ id: 3, data: Buffer.from([7, 8]) }] },
    });
    const p = mustParse(buf);
    expect(p.extension?.elements[0]?.id).toBe(3);
    expect([...p.payload]).toEqual([1, 2, 3, 4]);
  });

  it('writeRtpHeader matches serializeRtpPacket', () => {
    const out = Buffer.alloc(16);
    expect(writeRtpHeader(out, 0, base)).toBe(12);
    base.payload.copy(out, 12);
    expect(out.equals(serializeRtpPacket(base))).toBe(true);
  });
});

describe('isRtcpPacket', () => {
  it('demultiplexes per RFC 5761 §4', () => {
    expect(isRtcpPacket(Buffer.from('80c8000600000001', 'hex'))).toBe(true); // SR
    expect(isRtcpPacket(Buffer.from('81c9000700000001', 'hex'))).toBe(true); // RR
    expect(isRtcpPacket(Buffer.from('80000001000000010000', 'hex'))).toBe(false); // PCMU
    expect(isRtcpPacket(Buffer.from('80e0000100000001', 'hex'))).toBe(false); // PT 96 + M
    expect(isRtcpPacket(Buffer.from('80c8', 'hex'))).toBe(false);
  });
});

describe('fuzz', () => {
  const packetArb = fc.record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    ssrc: fc.integer({ min: 0, max: 0xffffffff }),
    csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
    payload: fc.uint8Array({ maxLength: 200 }),
    paddingLength: fc.integer({ min: 0, max: 255 }),
    ext: fc.option(
      fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 14 }),
          data: fc.uint8Array({ minLength: 1, maxLength: 16 }),
        }),
        {
          maxLength: 5,
        },
      ),
    ),
  });

  it('round-trips arbitrary packets', () => {
    fc.assert(
      fc.property(packetArb, (r) => {
        const elements = (r.ext ?? []).map((e) => ({ id: e.id, data: Buffer.from(e.data) }));
        const p: RtpPacket = {
          version: 2,
          padding: r.paddingLength > 0,
          marker: r.marker,
          payloadType: r.payloadType,
          sequenceNumber: r.sequenceNumber,
          timestamp: r.timestamp,
          ssrc: r.ssrc,
          csrc: r.csrc,
          payload: Buffer.from(r.payload),
          paddingLength: r.paddingLength,
          extension: r.ext
            ? { profile: 0xbede, data: buildExtensionData(0xbede, elements), elements }
            : undefined,
        };
        const buf = serializeRtpPacket(p);
        const q = mustParse(buf);
        expect(q.marker).toBe(p.marker);
        expect(q.payloadType).toBe(p.payloadType);
        expect(q.sequenceNumber).toBe(p.sequenceNumber);
        expect(q.timestamp).toBe(p.timestamp);
        expect(q.ssrc).toBe(p.ssrc);
        expect(q.csrc).toEqual(p.csrc);
        expect(q.payload.equals(p.payload)).toBe(true);
        expect(q.paddingLength).toBe(p.paddingLength);
        expect(q.extension?.elements.map((e) => [e.id, e.data.toString('hex')])).toEqual(
          r.ext ? elements.map((e) => [e.id, e.data.toString('hex')]) : undefined,
        );
        expect(serializeRtpPacket(q).equals(buf)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const buf = Buffer.from(bytes);
        if (buf.length > 0) buf[0] = 0x80 | (buf[0]! & 0x3f);
        const r = parseRtpPacket(buf);
        if (r.ok) expect(r.packet.payload.length).toBeLessThanOrEqual(buf.length);
        isRtcpPacket(buf);
      }),
      { numRuns: 2000 },
    );
  });
});
