/**
 * Compound RTCP packets (RFC 3550 §6.1) with the §A.2 validity checks:
 * - every packet has version 2;
 * - the first packet is SR or RR (unless reduced-size RTCP, RFC 5506, is allowed);
 * - only the last packet may have the padding bit;
 * - the length fields add up exactly to the datagram size.
 * Unknown packet types (APP, RTPFB/PSFB feedback, XR...) are kept raw.
 */
import { goodbyeSize, parseGoodbyeBody, writeGoodbye } from './goodbye.js';
import { parseReceiverReportBody, receiverReportSize, writeReceiverReport } from './receiver-report.js';
import { RTCP_HEADER_SIZE, writeRtcpHeader } from './rtcp-header.js';
import { parseSenderReportBody, senderReportSize, writeSenderReport } from './sender-report.js';
import {
  parseSourceDescriptionBody,
  sourceDescriptionSize,
  writeSourceDescription,
} from './source-description.js';
import { RtcpPacketType } from './types.js';
import type { RtcpBodyResult, RtcpCompoundParseResult, RtcpPacket, RtcpRawPacket } from './types.js';

/** Parser options. */
export interface RtcpParseOptions {
  /** Accept packets that do not start with SR/RR (RFC 5506 reduced-size RTCP). Default false. */
  readonly allowReducedSize?: boolean;
}

function parseBody(packetType: number, count: number, body: Buffer): RtcpBodyResult<RtcpPacket> {
  switch (packetType) {
    case RtcpPacketType.SR:
      return parseSenderReportBody(count, body);
    case RtcpPacketType.RR:
      return parseReceiverReportBody(count, body);
    case RtcpPacketType.SDES:
      return parseSourceDescriptionBody(count, body);
    case RtcpPacketType.BYE:
      return parseGoodbyeBody(count, body);
    default: {
      const raw: RtcpRawPacket = { type: 'raw', packetType, count, body };
      return { ok: true, packet: raw };
    }
  }
}

/**
 * Parse a compound RTCP datagram (already decrypted if SRTCP). Never throws.
 * Packet bodies are views into `buf` (raw bodies and SR/RR extensions).
 */
export function parseRtcpCompound(buf: Buffer, options: RtcpParseOptions = {}): RtcpCompoundParseResult {
  if (buf.length < RTCP_HEADER_SIZE) return { ok: false, reason: 'RTCP datagram too short' };
  if (buf.length % 4 !== 0) return { ok: false, reason: 'RTCP datagram not a multiple of 4 bytes' };
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + RTCP_HEADER_SIZE > buf.length) return { ok: false, reason: 'truncated RTCP header' };
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return { ok: false, reason: 'RTCP version is not 2' };
    const padding = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const packetType = buf[o + 1]!;
    const size = (buf.readUInt16BE(o + 2) + 1) * 4;
    if (o + size > buf.length) return { ok: false, reason: 'RTCP length exceeds datagram' };
    if (
      o === 0 &&
      !options.allowReducedSize &&
      packetType !== RtcpPacketType.SR &&
      packetType !== RtcpPacketType.RR
    ) {
      return { ok: false, reason: 'compound RTCP must start with SR or RR' };
    }
    let end = o + size;
    if (padding) {
      // §A.2: only the last packet of a compound may be padded.
      if (end !== buf.length) return { ok: false, reason: 'padding bit on a non-final RTCP packet' };
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - RTCP_HEADER_SIZE) return { ok: false, reason: 'invalid RTCP padding' };
      end -= pad;
    }
    const parsed = parseBody(packetType, count, buf.subarray(o + RTCP_HEADER_SIZE, end));
    if (!parsed.ok) return parsed;
    packets.push(parsed.packet);
    o += size;
  }
  return { ok: true, packets };
}

function rawSize(p: RtcpRawPacket): number {
  return RTCP_HEADER_SIZE + ((p.body.length + 3) & ~3);
}

/** Wire size of one packet in bytes. */
export function rtcpPacketSize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      return senderReportSize(p);
    case 'rr':
      return receiverReportSize(p);
    case 'sdes':
      return sourceDescriptionSize(p);
    case 'bye':
      return goodbyeSize(p);
    case 'raw':
      return rawSize(p);
  }
}

/**
 * Write one packet at `offset`.
 * @returns the offset after the packet.
 */
export function writeRtcpPacket(p: RtcpPacket, buf: Buffer, offset: number): number {
  switch (p.type) {
    case 'sr':
      return writeSenderReport(p, buf, offset);
    case 'rr':
      return writeReceiverReport(p, buf, offset);
    case 'sdes':
      return writeSourceDescription(p, buf, offset);
    case 'bye':
      return writeGoodbye(p, buf, offset);
    case 'raw': {
      const size = rawSize(p);
      writeRtcpHeader(buf, offset, p.count, p.packetType, size);
      p.body.copy(buf, offset + RTCP_HEADER_SIZE);
      buf.fill(0, offset + RTCP_HEADER_SIZE + p.body.length, offset + size);
      return offset + size;
    }
  }
}

/**
 * Serialize packets into one compound datagram (one allocation). The caller is
 * responsible for the §6.1 order (SR/RR first, SDES with CNAME, BYE last).
 * @throws RangeError on programmer errors (count > 31, oversize SDES items).
 */
export function serializeRtcpCompound(packets: readonly RtcpPacket[]): Buffer {
  let total = 0;
  for (const p of packets) total += rtcpPacketSize(p);
  const buf = Buffer.alloc(total);
  let o = 0;
  for (const p of packets) o = writeRtcpPacket(p, buf, o);
  return buf;
}
