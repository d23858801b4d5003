/**
 * RTP fixed header codec (RFC 3550 §5.1) with CSRC list, header extension (RFC 3550 §5.3.1,
 * RFC 8285 one-byte and two-byte elements) and padding. Pure functions over `Buffer`:
 * parsing never throws on hostile input.
 */
import type { RtpExtensionElement, RtpHeaderExtension, RtpPacket, RtpParseResult } from './types.js';

/** Size of the RTP fixed header in bytes (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;
/** RFC 8285 §4.2: profile value of the one-byte header extension. */
export const ONE_BYTE_EXTENSION_PROFILE = 0xbede;
/** RFC 8285 §4.3: two-byte header profile is 0x100 in the top 12 bits ("appbits" below). */
export const TWO_BYTE_EXTENSION_PROFILE = 0x1000;

const fail = (reason: string): RtpParseResult => ({ ok: false, reason });
/** Shared empty CSRC list: the common case allocates nothing. */
const NO_CSRC: readonly number[] = Object.freeze([]);

/**
 * Parse an RTP packet. Returns `{ ok: false, reason }` for anything malformed: short
 * buffer, version != 2, CSRC list / extension / padding running past the end.
 * The returned `payload` and extension data are views into `buf` (no copy).
 */
export function parseRtpPacket(buf: Buffer): RtpParseResult {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return fail('shorter than the 12-byte RTP header');
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  // RFC 3550 §5.1: V is the top two bits and must be 2.
  if (b0 >> 6 !== 2) return fail('RTP version is not 2');
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE + csrcCount * 4;
  if (offset > len) return fail('CSRC list runs past the end');
  let csrc: readonly number[] = NO_CSRC;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++) list.push(buf.readUInt32BE(RTP_HEADER_SIZE + i * 4));
    csrc = list;
  }

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words excluding this word.
    if (offset + 4 > len) return fail('extension header runs past the end');
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const start = offset + 4;
    const end = start + words * 4;
    if (end > len) return fail('extension runs past the end');
    const data = buf.subarray(start, end);
    extension = { profile, data, elements: parseExtensionElements(profile, data) };
    offset = end;
  }

  let end = len;
  let paddingLength = 0;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    paddingLength = buf[len - 1]!;
    if (paddingLength === 0) return fail('padding bit set but padding count is 0');
    if (offset + paddingLength > len) return fail('padding longer than the payload');
    end = len - paddingLength;
  }

  const packet: RtpPacket = {
    version: 2,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    extension,
    payload: buf.subarray(offset, end),
    paddingLength,
  };
  return { ok: true, packet };
}

/**
 * Parse RFC 8285 extension elements from the raw extension data. Unknown profiles yield
 * an empty list. Parsing stops (keeping what was parsed so far) at a malformed element,
 * and at ID 15 for the one-byte form (RFC 8285 §4.2: "stop parsing").
 */
export function parseExtensionElements(profile: number, data: Buffer): RtpExtensionElement[] {
  const elements: RtpExtensionElement[] = [];
  if (profile === ONE_BYTE_EXTENSION_PROFILE) {
    let i = 0;
    while (i < data.length) {
      const b = data[i]!;
      if (b === 0) {
        i++; // RFC 8285 §4.2: padding byte
        continue;
      }
      const id = b >> 4;
      if (id === 15) break; // RFC 8285 §4.2: reserved, stop processing
      const size = (b & 0x0f) + 1;
      if (i + 1 + size > data.length) break;
      elements.push({ id, data: data.subarray(i + 1, i + 1 + size) });
      i += 1 + size;
    }
  } else if ((profile & 0xfff0) === TWO_BYTE_EXTENSION_PROFILE) {
    let i = 0;
    while (i < data.length) {
      const id = data[i]!;
      if (id === 0) {
        i++; // RFC 8285 §4.3: padding byte
        continue;
      }
      if (i + 2 > data.length) break;
      const size = data[i + 1]!;
      if (i + 2 + size > data.length) break;
      elements.push({ id, data: data.subarray(i + 2, i + 2 + size) });
      i += 2 + size;
    }
  }
  return elements;
}

/**
 * Build RFC 8285 extension data (padded to a multiple of 4 bytes) from elements.
 * Uses the one-byte form when `profile` is 0xBEDE, otherwise the two-byte form.
 * Throws `RangeError` on IDs/lengths the chosen form cannot carry (programmer error).
 */
export function buildExtensionData(profile: number, elements: readonly RtpExtensionElement[]): Buffer {
  const oneByte = profile === ONE_BYTE_EXTENSION_PROFILE;
  let size = 0;
  for (const e of elements) {
    if (oneByte) {
      if (e.id < 1 || e.id > 14 || e.data.length < 1 || e.data.length > 16) {
        throw new RangeError(`one-byte extension element id ${e.id} length ${e.data.length} out of range`);
      }
      size += 1 + e.data.length;
    } else {
      if (e.id < 1 || e.id > 255 || e.data.length > 255) {
        throw new RangeError(`two-byte extension element id ${e.id} length ${e.data.length} out of range`);
      }
      size += 2 + e.data.length;
    }
  }
  const out = Buffer.alloc((size + 3) & ~3);
  let o = 0;
  for (const e of elements) {
    if (oneByte) {
      out[o++] = (e.id << 4) | (e.data.length - 1);
    } else {
      out[o++] = e.id;
      out[o++] = e.data.length;
    }
    e.data.copy(out, o);
    o += e.data.length;
  }
  return out;
}

/** Header fields written by {@link writeRtpHeader} (no CSRC, no extension, no padding). */
export interface RtpHeaderFields {
  marker: boolean;
  /** 0..127 */
  payloadType: number;
  /** 0..65535 (masked). */
  sequenceNumber: number;
  /** RTP timestamp in ticks (taken modulo 2^32). */
  timestamp: number;
  /** Unsigned 32-bit SSRC. */
  ssrc: number;
}

/**
 * Write a 12-byte RTP fixed header (V=2, no padding/extension/CSRC) into `target` at
 * `offset` without allocating. Returns the number of bytes written (always 12).
 */
export function writeRtpHeader(target: Buffer, offset: number, f: RtpHeaderFields): number {
  return writeRtpHeaderValues(target, offset, f.marker, f.payloadType, f.sequenceNumber, f.timestamp, f.ssrc);
}

/**
 * {@link writeRtpHeader} with positional arguments, for per-packet send paths that must
 * not allocate a fields object. Returns 12.
 */
export function writeRtpHeaderValues(
  target: Buffer,
  offset: number,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): number {
  // RFC 3550 §5.1: V=2, P=0, X=0, CC=0 | M, PT | sequence | timestamp | SSRC.
  target[offset] = 0x80;
  target[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  target.writeUInt16BE(sequenceNumber & 0xffff, offset + 2);
  target.writeUInt32BE(timestamp >>> 0, offset + 4);
  target.writeUInt32BE(ssrc >>> 0, offset + 8);
  return RTP_HEADER_SIZE;
}

/**
 * Serialize an RTP packet. The extension is written from `extension.data` when non-empty
 * (byte-exact round trip), otherwise built from `extension.elements`. When `padding` is
 * set and `paddingLength` > 0, `paddingLength` bytes are appended (zeros, last = count).
 */
export function serializeRtpPacket(p: RtpPacket): Buffer {
  const csrcCount = Math.min(p.csrc.length, 15);
  let extData: Buffer | undefined;
  if (p.extension) {
    extData =
      p.extension.data.length > 0 || p.extension.elements.length === 0
        ? p.extension.data
        : buildExtensionData(p.extension.profile, p.extension.elements);
  }
  const extWords = extData ? (extData.length + 3) >> 2 : 0;
  const padLen = p.padding && p.paddingLength > 0 ? Math.min(p.paddingLength, 255) : 0;
  const size = RTP_HEADER_SIZE + csrcCount * 4 + (extData ? 4 + extWords * 4 : 0) + p.payload.length + padLen;
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x80 | (padLen > 0 ? 0x20 : 0) | (extData ? 0x10 : 0) | csrcCount;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  let o = RTP_HEADER_SIZE;
  for (let i = 0; i < csrcCount; i++, o += 4) out.writeUInt32BE(p.csrc[i]! >>> 0, o);
  if (extData && p.extension) {
    out.writeUInt16BE(p.extension.profile & 0xffff, o);
    out.writeUInt16BE(extWords, o + 2);
    o += 4;
    extData.copy(out, o);
    out.fill(0, o + extData.length, o + extWords * 4);
    o += extWords * 4;
  }
  p.payload.copy(out, o);
  o += p.payload.length;
  if (padLen > 0) {
    out.fill(0, o, o + padLen - 1);
    out[o + padLen - 1] = padLen;
  }
  return out;
}

/**
 * RFC 5761 §4 demultiplexing of RTP and RTCP on one port: RTCP packet types 192..223
 * (SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205, PSFB 206...) occupy the second
 * byte in the range that RTP would read as marker=1 with PT 64..95, which RTP must avoid.
 */
export function isRtcpPacket(buf: Buffer): boolean {
  if (buf.length < 8) return false;
  const b1 = buf[1]!;
  return buf[0]! >> 6 === 2 && b1 >= 192 && b1 <= 223;
}
