/**
 * The two STUN messages a SIP keep-alive needs (RFC 5626 §4.4.2, RFC 5389): a Binding
 * request without attributes and the XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS) of a Binding
 * success response. Pure functions over Buffer; hostile input yields undefined.
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '../transport/transport.js';

/** RFC 5389 §6: the magic cookie. */
const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const ATTR_MAPPED_ADDRESS = 0x0001;
const ATTR_XOR_MAPPED_ADDRESS = 0x0020;

/** A Binding request (20-byte header, no attributes) and its 12-byte transaction id. */
export function stunBindingRequest(transactionId: Buffer = randomBytes(12)): {
  bytes: Buffer;
  transactionId: Buffer;
} {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt16BE(BINDING_REQUEST, 0);
  bytes.writeUInt16BE(0, 2);
  bytes.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(bytes, 8, 0, 12);
  return { bytes, transactionId: Buffer.from(bytes.subarray(8, 20)) };
}

/** True when `data` looks like a STUN message (RFC 7983 §7: first byte 0-3, and the cookie). */
export function isStunMessage(data: Buffer): boolean {
  return data.length >= 20 && data[0]! < 4 && data.readUInt32BE(4) === MAGIC_COOKIE;
}

/**
 * The mapped address of a Binding success response to `transactionId` (XOR-MAPPED-ADDRESS
 * preferred, RFC 5389 §15.2; else MAPPED-ADDRESS, §15.1); undefined for anything else.
 */
export function stunMappedAddress(data: Buffer, transactionId: Buffer): Endpoint | undefined {
  if (!isStunMessage(data) || data.readUInt16BE(0) !== BINDING_SUCCESS) return undefined;
  if (!data.subarray(8, 20).equals(transactionId)) return undefined;
  const end = Math.min(data.length, 20 + data.readUInt16BE(2));
  let mapped: Endpoint | undefined;
  for (let at = 20; at + 4 <= end;) {
    const type = data.readUInt16BE(at);
    const len = data.readUInt16BE(at + 2);
    const value = data.subarray(at + 4, Math.min(end, at + 4 + len));
    if (value.length < len) break;
    if (type === ATTR_XOR_MAPPED_ADDRESS) {
      const e = readAddress(value, data.subarray(4, 20));
      if (e) return e;
    } else if (type === ATTR_MAPPED_ADDRESS) {
      mapped ??= readAddress(value, undefined);
    }
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  return mapped;
}

/** An address attribute; `xor` = cookie + transaction id for XOR-MAPPED-ADDRESS. */
function readAddress(v: Buffer, xor: Buffer | undefined): Endpoint | undefined {
  if (v.length < 8) return undefined;
  const family = v[1];
  const port = v.readUInt16BE(2) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
  if (family === 0x01) {
    const a = Buffer.from(v.subarray(4, 8));
    if (xor) for (let i = 0; i < 4; i++) a[i] = a[i]! ^ xor[i]!;
    return { address: [...a].join('.'), port };
  }
  if (family === 0x02 && v.length >= 20) {
    const a = Buffer.from(v.subarray(4, 20));
    if (xor) for (let i = 0; i < 16; i++) a[i] = a[i]! ^ xor[i]!;
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
    return { address: groups.join(':'), port };
  }
  return undefined;
}
