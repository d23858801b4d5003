/**
 * Goodbye, PT 203 (RFC 3550 §6.6): SC SSRC/CSRC identifiers, then an optional reason
 * `length(8) text`, padded with nulls to 32 bits.
 */
import { RTCP_HEADER_SIZE, writeRtcpHeader } from './rtcp-header.js';
import { RtcpPacketType } from './types.js';
import type { RtcpBodyResult, RtcpGoodbye } from './types.js';

/**
 * Parse a BYE body.
 * @param count - the SC field (number of SSRCs).
 */
export function parseGoodbyeBody(count: number, body: Buffer): RtcpBodyResult<RtcpGoodbye> {
  const idsEnd = count * 4;
  if (body.length < idsEnd) return { ok: false, reason: 'BYE shorter than its source count' };
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(i * 4));
  if (body.length > idsEnd) {
    const len = body[idsEnd]!;
    if (idsEnd + 1 + len > body.length) return { ok: false, reason: 'BYE reason overruns packet' };
    const reason = body.toString('utf8', idsEnd + 1, idsEnd + 1 + len);
    return { ok: true, packet: { type: 'bye', ssrcs, reason } };
  }
  return { ok: true, packet: { type: 'bye', ssrcs } };
}

/** Wire size of a BYE in bytes. */
export function goodbyeSize(p: RtcpGoodbye): number {
  const reason = p.reason === undefined ? 0 : (1 + Buffer.byteLength(p.reason, 'utf8') + 3) & ~3;
  return RTCP_HEADER_SIZE + p.ssrcs.length * 4 + reason;
}

/**
 * Write a BYE at `offset`.
 * @returns the offset after the packet.
 * @throws RangeError for > 31 SSRCs or a reason over 255 bytes (programmer error).
 */
export function writeGoodbye(p: RtcpGoodbye, buf: Buffer, offset: number): number {
  const size = goodbyeSize(p);
  writeRtcpHeader(buf, offset, p.ssrcs.length, RtcpPacketType.BYE, size);
  let o = offset + RTCP_HEADER_SIZE;
  for (const s of p.ssrcs) {
    buf.writeUInt32BE(s >>> 0, o);
    o += 4;
  }
  if (p.reason !== undefined) {
    const len = Buffer.byteLength(p.reason, 'utf8');
    if (len > 255) throw new RangeError('BYE reason > 255 bytes');
    buf[o] = len;
    buf.write(p.reason, o + 1, 'utf8');
    buf.fill(0, o + 1 + len, offset + size);
  }
  return offset + size;
}

/** Serialize a single BYE. */
export function serializeGoodbye(p: RtcpGoodbye): Buffer {
  const buf = Buffer.alloc(goodbyeSize(p));
  writeGoodbye(p, buf, 0);
  return buf;
}
