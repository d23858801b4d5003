/**
 * Sender report, PT 200 (RFC 3550 §6.4.1):
 * header | SSRC | NTP msw | NTP lsw | RTP ts | packet count | octet count | blocks | ext
 */
import { REPORT_BLOCK_SIZE, readReportBlock, writeReportBlock } from './report-block.js';
import { RTCP_HEADER_SIZE, writeRtcpHeader } from './rtcp-header.js';
import { RtcpPacketType } from './types.js';
import type { RtcpBodyResult, RtcpReportBlock, RtcpSenderReport } from './types.js';

/** Fixed part after the common header: SSRC + sender info (24 bytes). */
const SR_FIXED = 24;

/**
 * Parse an SR body (bytes after the common header, padding removed).
 * @param count - the RC field (number of report blocks).
 */
export function parseSenderReportBody(count: number, body: Buffer): RtcpBodyResult<RtcpSenderReport> {
  const blocksEnd = SR_FIXED + count * REPORT_BLOCK_SIZE;
  if (body.length < blocksEnd) return { ok: false, reason: 'SR shorter than its report count' };
  const reports: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(readReportBlock(body, SR_FIXED + i * REPORT_BLOCK_SIZE));
  const packet: RtcpSenderReport = {
    type: 'sr',
    ssrc: body.readUInt32BE(0),
    ntpSeconds: body.readUInt32BE(4),
    ntpFraction: body.readUInt32BE(8),
    rtpTimestamp: body.readUInt32BE(12),
    packetCount: body.readUInt32BE(16),
    octetCount: body.readUInt32BE(20),
    reports,
    ...(body.length > blocksEnd ? { extension: body.subarray(blocksEnd) } : {}),
  };
  return { ok: true, packet };
}

/** Wire size of an SR in bytes (extension padded to 32 bits). */
export function senderReportSize(p: RtcpSenderReport): number {
  const ext = p.extension?.length ?? 0;
  return RTCP_HEADER_SIZE + SR_FIXED + p.reports.length * REPORT_BLOCK_SIZE + ((ext + 3) & ~3);
}

/**
 * Write an SR at `offset` (buffer must hold {@link senderReportSize} bytes).
 * @returns the offset after the packet.
 * @throws RangeError for more than 31 report blocks (programmer error).
 */
export function writeSenderReport(p: RtcpSenderReport, buf: Buffer, offset: number): number {
  const size = senderReportSize(p);
  writeRtcpHeader(buf, offset, p.reports.length, RtcpPacketType.SR, size);
  let o = offset + RTCP_HEADER_SIZE;
  buf.writeUInt32BE(p.ssrc >>> 0, o);
  buf.writeUInt32BE(p.ntpSeconds >>> 0, o + 4);
  buf.writeUInt32BE(p.ntpFraction >>> 0, o + 8);
  buf.writeUInt32BE(p.rtpTimestamp >>> 0, o + 12);
  buf.writeUInt32BE(p.packetCount >>> 0, o + 16);
  buf.writeUInt32BE(p.octetCount >>> 0, o + 20);
  o += SR_FIXED;
  for (const r of p.reports) o = writeReportBlock(buf, o, r);
  if (p.extension !== undefined) {
    p.extension.copy(buf, o);
    buf.fill(0, o + p.extension.length, offset + size);
  }
  return offset + size;
}

/** Serialize a single SR. */
export function serializeSenderReport(p: RtcpSenderReport): Buffer {
  const buf = Buffer.alloc(senderReportSize(p));
  writeSenderReport(p, buf, 0);
  return buf;
}
