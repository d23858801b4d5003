/**
 * STUN messages (RFC 8489): header, attributes, XOR-MAPPED-ADDRESS (§14.2),
 * MESSAGE-INTEGRITY (HMAC-SHA1, §14.5) and FINGERPRINT (CRC-32 ^ 0x5354554e, §14.7).
 * Pure functions over Buffer; parsing never throws on hostile input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** RFC 8489 §5: the fixed magic cookie. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const HEADER = 20;
const FINGERPRINT_XOR = 0x5354554e;

/** Attribute types used here (RFC 8489 §18.3, RFC 8445 §16.1, RFC 8656 §18). */
export const StunAttr = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const;

/** Message classes (RFC 8489 §5: C1/C0 bits). */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** Methods: Binding (RFC 8489), Allocate/Refresh/Send/Data/CreatePermission/ChannelBind (RFC 8656 §17). */
export const StunMethod = {
  BINDING: 0x001,
  ALLOCATE: 0x003,
  REFRESH: 0x004,
  SEND: 0x006,
  DATA: 0x007,
  CREATE_PERMISSION: 0x008,
  CHANNEL_BIND: 0x009,
} as const;

/** One attribute: type and raw value (no padding). */
export interface StunAttribute {
  readonly type: number;
  readonly value: Buffer;
}

/** A decoded STUN message. */
export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  /** 12 bytes. */
  readonly transactionId: Buffer;
  readonly attributes: readonly StunAttribute[];
}

const CLASS_BITS: Record<StunClass, number> = {
  request: 0x000,
  indication: 0x010,
  success: 0x100,
  error: 0x110,
};

/** RFC 8489 §5: interleave method bits M0-M11 with class bits C0/C1. */
export function encodeMessageType(method: number, cls: StunClass): number {
  const m = method & 0xfff;
  return (m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) | CLASS_BITS[cls];
}

function decodeMessageType(t: number): { method: number; cls: StunClass } {
  const method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
  const c = t & 0x0110;
  const cls: StunClass = c === 0 ? 'request' : c === 0x010 ? 'indication' : c === 0x100 ? 'success' : 'error';
  return { method, cls };
}

/** RFC 7983 §7: a first byte 0..3 is STUN (cheap check before {@link parseStun}). */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER && buf[0]! < 4 && buf.readUInt32BE(4) === STUN_MAGIC_COOKIE;
}

/** Decode a STUN message, or undefined when it is not a well-formed one. Never throws. */
export function parseStun(buf: Buffer): StunMessage | undefined {
  if (!looksLikeStun(buf)) return undefined;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER + length !== buf.length) return undefined;
  const attributes: StunAttribute[] = [];
  let off = HEADER;
  while (off + 4 <= buf.length) {
    const type = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (off + 4 + len > buf.length) return undefined;
    attributes.push({ type, value: buf.subarray(off + 4, off + 4 + len) });
    off += 4 + len + ((4 - (len % 4)) % 4);
    if (attributes.length > 64) return undefined;
  }
  if (off !== buf.length) return undefined;
  return { ...decodeMessageType(buf.readUInt16BE(0)), transactionId: buf.subarray(8, 20), attributes };
}

/** First attribute of `type`, if any. */
export function getAttribute(msg: StunMessage, type: number): Buffer | undefined {
  return msg.attributes.find((a) => a.type === type)?.value;
}

function attributeBytes(type: number, value: Buffer, padByte = 0): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + pad, padByte);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

/** Options of {@link encodeStun}. */
export interface StunEncodeOptions {
  /** Key for MESSAGE-INTEGRITY: the ICE password (short-term, RFC 8489 §9.1) or MD5(user:realm:pass) (long-term, §9.2). */
  readonly integrityKey?: Buffer;
  /** Append FINGERPRINT (RFC 8489 §14.7). Default false. */
  readonly fingerprint?: boolean;
  /** Byte used to pad attribute values to 4 bytes (any value is allowed, §14). Default 0. */
  readonly padByte?: number;
}

/** Encode a message; MESSAGE-INTEGRITY and FINGERPRINT are computed and appended last. */
export function encodeStun(msg: StunMessage, opts: StunEncodeOptions = {}): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(encodeMessageType(msg.method, msg.cls), 0);
  header.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  msg.transactionId.copy(header, 8, 0, 12);
  let body = Buffer.concat(msg.attributes.map((a) => attributeBytes(a.type, a.value, opts.padByte)));
  if (opts.integrityKey !== undefined) {
    // §14.5: the length field covers the MESSAGE-INTEGRITY attribute (24 bytes) at hashing time.
    header.writeUInt16BE(body.length + 24, 2);
    const mac = createHmac('sha1', opts.integrityKey).update(header).update(body).digest();
    body = Buffer.concat([body, attributeBytes(StunAttr.MESSAGE_INTEGRITY, mac)]);
  }
  if (opts.fingerprint === true) {
    header.writeUInt16BE(body.length + 8, 2);
    const crc = (crc32(Buffer.concat([header, body])) ^ FINGERPRINT_XOR) >>> 0;
    const v = Buffer.alloc(4);
    v.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, attributeBytes(StunAttr.FINGERPRINT, v)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

/** Offset of the first attribute of `type` in a well-formed message `buf`, or -1. */
function attributeOffset(buf: Buffer, type: number): number {
  let off = HEADER;
  while (off + 4 <= buf.length) {
    const t = buf.readUInt16BE(off);
    const len = buf.readUInt16BE(off + 2);
    if (t === type) return off;
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return -1;
}

/** Check MESSAGE-INTEGRITY of a received message (RFC 8489 §14.5). False when absent. Never throws. */
export function verifyIntegrity(buf: Buffer, key: Buffer): boolean {
  if (parseStun(buf) === undefined) return false;
  const off = attributeOffset(buf, StunAttr.MESSAGE_INTEGRITY);
  if (off < 0 || buf.readUInt16BE(off + 2) !== 20 || off + 24 > buf.length) return false;
  const header = Buffer.from(buf.subarray(0, HEADER));
  header.writeUInt16BE(off + 24 - HEADER, 2);
  const mac = createHmac('sha1', key).update(header).update(buf.subarray(HEADER, off)).digest();
  return timingSafeEqual(mac, buf.subarray(off + 4, off + 24));
}

/** Check FINGERPRINT (RFC 8489 §14.7); false when absent. Never throws. */
export function verifyFingerprint(buf: Buffer): boolean {
  if (parseStun(buf) === undefined) return false;
  const off = attributeOffset(buf, StunAttr.FINGERPRINT);
  if (off < 0 || off + 8 !== buf.length || buf.readUInt16BE(off + 2) !== 4) return false;
  const crc = (crc32(buf.subarray(0, off)) ^ FINGERPRINT_XOR) >>> 0;
  return crc === buf.readUInt32BE(off + 4);
}

/** Encode an XOR-*-ADDRESS value (RFC 8489 §14.2). */
export function encodeXorAddress(address: string, port: number, transactionId: Buffer): Buffer {
  const v6 = address.includes(':');
  const out = Buffer.alloc(v6 ? 20 : 8);
  out[1] = v6 ? 0x02 : 0x01;
  out.writeUInt16BE((port ^ (STUN_MAGIC_COOKIE >>> 16)) & 0xffff, 2);
  const xorKey = Buffer.alloc(16);
  xorKey.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(xorKey, 4, 0, 12);
  const ip = v6 ? ipv6Bytes(address) : Buffer.from(address.split('.').map((o) => Number(o) & 0xff));
  for (let i = 0; i < ip.length; i++) out[4 + i] = ip[i]! ^ xorKey[i]!;
  return out;
}

/** Decode an XOR-*-ADDRESS value, or undefined when malformed. */
export function decodeXorAddress(
  value: Buffer,
  transactionId: Buffer,
): { address: string; port: number } | undefined {
  if (value.length < 8) return undefined;
  const family = value[1];
  const port = (value.readUInt16BE(2) ^ (STUN_MAGIC_COOKIE >>> 16)) & 0xffff;
  const xorKey = Buffer.alloc(16);
  xorKey.writeUInt32BE(STUN_MAGIC_COOKIE, 0);
  transactionId.copy(xorKey, 4, 0, 12);
  if (family === 0x01) {
    const b = [0, 1, 2, 3].map((i) => value[4 + i]! ^ xorKey[i]!);
    return { address: b.join('.'), port };
  }
  if (family === 0x02 && value.length >= 20) {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2)
      parts.push((((value[4 + i]! ^ xorKey[i]!) << 8) | (value[5 + i]! ^ xorKey[i + 1]!)).toString(16));
    return { address: parts.join(':'), port };
  }
  return undefined;
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}
