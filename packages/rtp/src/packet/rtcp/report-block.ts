/**
 * Reception report blocks (RFC 3550 §6.4.1), shared by SR and RR.
 */
import type { RtcpReportBlock } from './types.js';

/** Size of one report block in bytes. */
export const REPORT_BLOCK_SIZE = 24;

/** Read a report block at `offset` (caller guarantees 24 bytes are available). */
export function readReportBlock(buf: Buffer, offset: number): RtcpReportBlock {
  const lostWord = buf.readUInt32BE(offset + 4);
  let cumulativeLost = lostWord & 0xffffff;
  // RFC 3550 §6.4.1: cumulative number of packets lost is a signed 24-bit integer.
  if (cumulativeLost & 0x800000) cumulativeLost -= 0x1000000;
  return {
    ssrc: buf.readUInt32BE(offset),
    fractionLost: lostWord >>> 24,
    cumulativeLost,
    highestSeq: buf.readUInt32BE(offset + 8),
    jitter: buf.readUInt32BE(offset + 12),
    lastSr: buf.readUInt32BE(offset + 16),
    delaySinceLastSr: buf.readUInt32BE(offset + 20),
  };
}

/**
 * Write a report block at `offset`. Out-of-range values are clamped (fraction 0..255,
 * cumulative lost to the signed 24-bit range, §A.3) rather than wrapped.
 * @returns the offset after the block.
 */
export function writeReportBlock(buf: Buffer, offset: number, b: RtcpReportBlock): number {
  const fraction = Math.min(255, Math.max(0, Math.trunc(b.fractionLost)));
  const lost = Math.min(0x7fffff, Math.max(-0x800000, Math.trunc(b.cumulativeLost)));
  buf.writeUInt32BE(b.ssrc >>> 0, offset);
  buf.writeUInt32BE(((fraction << 24) | (lost & 0xffffff)) >>> 0, offset + 4);
  buf.writeUInt32BE(b.highestSeq >>> 0, offset + 8);
  buf.writeUInt32BE(b.jitter >>> 0, offset + 12);
  buf.writeUInt32BE(b.lastSr >>> 0, offset + 16);
  buf.writeUInt32BE(b.delaySinceLastSr >>> 0, offset + 20);
  return offset + REPORT_BLOCK_SIZE;
}
