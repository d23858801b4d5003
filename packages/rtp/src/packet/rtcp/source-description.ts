/**
 * Source description, PT 202 (RFC 3550 §6.5). Each chunk is an SSRC followed by items
 * `type(8) length(8) text`, terminated by one or more null octets up to the next 32-bit
 * boundary (§6.5: at least one null octet).
 */
import { RTCP_HEADER_SIZE, writeRtcpHeader } from './rtcp-header.js';
import { RtcpPacketType, SdesItemType } from './types.js';
import type { RtcpBodyResult, RtcpSdesChunk, RtcpSdesItem, RtcpSourceDescription } from './types.js';

/**
 * Parse an SDES body.
 * @param count - the SC field (number of chunks).
 */
export function parseSourceDescriptionBody(
  count: number,
  body: Buffer,
): RtcpBodyResult<RtcpSourceDescription> {
  const chunks: RtcpSdesChunk[] = [];
  let o = 0;
  for (let c = 0; c < count; c++) {
    if (o + 4 > body.length) return { ok: false, reason: 'SDES chunk truncated' };
    const ssrc = body.readUInt32BE(o);
    o += 4;
    const items: RtcpSdesItem[] = [];
    while (true) {
      if (o >= body.length) return { ok: false, reason: 'SDES item list not terminated' };
      const type = body[o]!;
      if (type === SdesItemType.END) {
        // Skip the null octet(s) to the next 32-bit boundary.
        o = (o + 4) & ~3;
        break;
      }
      if (o + 2 > body.length) return { ok: false, reason: 'SDES item truncated' };
      const len = body[o + 1]!;
      if (o + 2 + len > body.length) return { ok: false, reason: 'SDES item overruns packet' };
      items.push({ type, text: body.toString('utf8', o + 2, o + 2 + len) });
      o += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return { ok: true, packet: { type: 'sdes', chunks } };
}

function chunkSize(chunk: RtcpSdesChunk): number {
  let n = 4;
  for (const item of chunk.items) n += 2 + Buffer.byteLength(item.text, 'utf8');
  return (n + 1 + 3) & ~3; // + null terminator, padded
}

/** Wire size of an SDES packet in bytes. */
export function sourceDescriptionSize(p: RtcpSourceDescription): number {
  let n = RTCP_HEADER_SIZE;
  for (const c of p.chunks) n += chunkSize(c);
  return n;
}

/**
 * Write an SDES packet at `offset`.
 * @returns the offset after the packet.
 * @throws RangeError for > 31 chunks, item text > 255 bytes or item type 0..255 misuse.
 */
export function writeSourceDescription(p: RtcpSourceDescription, buf: Buffer, offset: number): number {
  const size = sourceDescriptionSize(p);
  writeRtcpHeader(buf, offset, p.chunks.length, RtcpPacketType.SDES, size);
  let o = offset + RTCP_HEADER_SIZE;
  for (const chunk of p.chunks) {
    const start = o;
    buf.writeUInt32BE(chunk.ssrc >>> 0, o);
    o += 4;
    for (const item of chunk.items) {
      if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255)
        throw new RangeError('SDES item type');
      const len = buf.write(item.text, o + 2, 'utf8');
      if (len !== Buffer.byteLength(item.text, 'utf8') || len > 255)
        throw new RangeError('SDES item > 255 bytes');
      buf[o] = item.type;
      buf[o + 1] = len;
      o += 2 + len;
    }
    const end = start + chunkSize(chunk);
    buf.fill(0, o, end);
    o = end;
  }
  return offset + size;
}

/** Serialize a single SDES packet. */
export function serializeSourceDescription(p: RtcpSourceDescription): Buffer {
  const buf = Buffer.alloc(sourceDescriptionSize(p));
  writeSourceDescription(p, buf, 0);
  return buf;
}

/** The SDES packet most senders need: one chunk with a CNAME (RFC 3550 §6.5.1). */
export function cnameSourceDescription(ssrc: number, cname: string): RtcpSourceDescription {
  return { type: 'sdes', chunks: [{ ssrc, items: [{ type: SdesItemType.CNAME, text: cname }] }] };
}
