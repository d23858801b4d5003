/**
 * Receiver report, PT 201 (RFC 3550 §6.4.2): header | SSRC of sender | blocks | ext
 */
import { REPORT_BLOCK_SIZE, readReportBlock, writeReportBlock } from './report-block.js';
import { RTCP_HEADER_SIZE, writeRtcpHeader } from './rtcp-header.js';
import { RtcpPacketType } from './types.js';
import type { RtcpBodyResult, RtcpReceiverReport, RtcpReportBlock } from './types.js';

/**
 * Parse an RR body (bytes after the common header, padding removed).
 * @param count - the RC field (number of report blocks).
 */
export function parseReceiverReportBody(count: number, body: Buffer): RtcpBodyResult<RtcpReceiverReport> {
  const blocksEnd = 4 + count * REPORT_BLOCK_SIZE;
  if (body.length < blocksEnd) return { ok: false, reason: 'RR shorter than its report count' };
  const reports: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(readReportBlock(body, 4 + i * REPORT_BLOCK_SIZE));
  const packet: RtcpReceiverReport = {
    type: 'rr',
    ssrc: body.readUInt32BE(0),
    reports,
    ...(body.length > blocksEnd ? { extension: body.subarray(blocksEnd) } : {}),
  };
  return { ok: true, packet };
}

/** Wire size of an RR in bytes (extension padded to 32 bits). */
export function receiverReportSize(p: RtcpReceiverReport): number {
  const ext = p.extension?.length ?? 0;
  return RTCP_HEADER_SIZE + 4 + p.reports.length * REPORT_BLOCK_SIZE + ((ext + 3) & ~3);
}

/**
 * Write an RR at `offset`. An RR with no blocks is valid (RFC 3550 §6.4.2, e.g. first
 * packet of a compound when nothing was received).
 * @returns the offset after the packet.
 * @throws RangeError for more than 31 report blocks (programmer error).
 */
export function writeReceiverReport(p: RtcpReceiverReport, buf: Buffer, offset: number): number {
  const size = receiverReportSize(p);
  writeRtcpHeader(buf, offset, p.reports.length, RtcpPacketType.RR, size);
  let o = offset + RTCP_HEADER_SIZE;
  buf.writeUInt32BE(p.ssrc >>> 0, o);
  o += 4;
  for (const r of p.reports) o = writeReportBlock(buf, o, r);
  if (p.extension !== undefined) {
    p.extension.copy(buf, o);
    buf.fill(0, o + p.extension.length, offset + size);
  }
  return offset + size;
}

/** Serialize a single RR. */
export function serializeReceiverReport(p: RtcpReceiverReport): Buffer {
  const buf = Buffer.alloc(receiverReportSize(p));
  writeReceiverReport(p, buf, 0);
  return buf;
}
