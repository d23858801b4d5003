/**
 * SRTP key derivation (RFC 3711 §4.3) with the default AES-CM PRF (§4.3.3) and the
 * default key derivation rate 0 (keys derived once per master key, §4.3.1).
 */
import { AesCounterMode } from './aes-cm.js';

/** RFC 3711 §4.3.2 key derivation labels. */
export const SrtpLabel = {
  rtpEncryption: 0x00,
  rtpAuthentication: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuthentication: 0x04,
  rtcpSalt: 0x05,
} as const;

/**
 * Derive one session key: key_id = label || r (r = index DIV kdr; 0 when kdr = 0),
 * x = key_id XOR master_salt, output = AES-CM(master_key, x * 2^16) truncated to `length`.
 * @param masterSalt 14 bytes (112 bits).
 * @param index packet index (only used when `kdr` > 0).
 * @param kdr key derivation rate (0 = derive once).
 */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
  index = 0,
  kdr = 0,
): Buffer {
  const r = kdr > 0 ? Math.floor(index / kdr) : 0;
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(14, masterSalt.length)); // shorter salts are right-padded
  // key_id (56 bits: 8-bit label, 48-bit r) is right-aligned in the 112-bit salt: bytes 7..13.
  iv[7] = iv[7]! ^ label;
  const rHigh = Math.floor(r / 0x1_0000_0000);
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ rHigh) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ r) >>> 0, 10);
  return Buffer.from(new AesCounterMode(masterKey).keystream(iv, length));
}

/** Session keys of one direction (RFC 3711 §4.3.2). */
export interface SrtpSessionKeys {
  readonly rtpCipherKey: Buffer;
  readonly rtpAuthKey: Buffer;
  readonly rtpSalt: Buffer;
  readonly rtcpCipherKey: Buffer;
  readonly rtcpAuthKey: Buffer;
  readonly rtcpSalt: Buffer;
}

/**
 * Derive the six session keys: cipher keys as long as the master key, 20-byte auth keys,
 * salts of `saltLength` (14 for AES-CM; 12 for GCM, whose 12-byte master salt is
 * right-padded with zeros to the 112-bit KDF input, RFC 7714 §11).
 */
export function deriveSrtpSessionKeys(
  masterKey: Buffer,
  masterSalt: Buffer,
  saltLength = 14,
): SrtpSessionKeys {
  const d = (label: number, len: number): Buffer => deriveSessionKey(masterKey, masterSalt, label, len);
  return {
    rtpCipherKey: d(SrtpLabel.rtpEncryption, masterKey.length),
    rtpAuthKey: d(SrtpLabel.rtpAuthentication, 20),
    rtpSalt: d(SrtpLabel.rtpSalt, saltLength),
    rtcpCipherKey: d(SrtpLabel.rtcpEncryption, masterKey.length),
    rtcpAuthKey: d(SrtpLabel.rtcpAuthentication, 20),
    rtcpSalt: d(SrtpLabel.rtcpSalt, saltLength),
  };
}
