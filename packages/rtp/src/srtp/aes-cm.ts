/**
 * AES in Counter Mode as SRTP uses it (RFC 3711 §4.1.1): the keystream is
 * E(k, IV), E(k, IV + 1), ... with a 128-bit big-endian counter. Built on a reusable
 * AES-ECB cipher so one key schedule serves every packet.
 */
import { createCipheriv } from 'node:crypto';

/** AES-CM keystream generator for one key. */
export class AesCounterMode {
  private readonly ecb: ReturnType<typeof createCipheriv>;
  private scratch = Buffer.alloc(16 * 64);

  /** @param key AES key (16 bytes for AES-128). */
  constructor(key: Buffer) {
    this.ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    this.ecb.setAutoPadding(false);
  }

  /** `length` bytes of keystream starting at counter block `iv` (16 bytes). */
  keystream(iv: Buffer, length: number): Buffer {
    const blocks = Math.ceil(length / 16);
    if (this.scratch.length < blocks * 16) this.scratch = Buffer.alloc(blocks * 16);
    const counters = this.scratch.subarray(0, blocks * 16);
    const hi = iv.readUInt32BE(12);
    for (let j = 0; j < blocks; j++) {
      const o = j * 16;
      iv.copy(counters, o, 0, 12);
      const low = hi + j;
      counters.writeUInt32BE(low >>> 0, o + 12);
      if (low > 0xffffffff) incrementPrefix(counters, o); // carry into the upper 96 bits
    }
    return this.ecb.update(counters).subarray(0, length);
  }

  /** XOR `data[start..]` in place with the keystream for `iv`. */
  xorInPlace(iv: Buffer, data: Buffer, start: number): void {
    const len = data.length - start;
    if (len <= 0) return;
    const ks = this.keystream(iv, len);
    for (let i = 0; i < len; i++) data[start + i]! ^= ks[i]!;
  }
}

function incrementPrefix(buf: Buffer, o: number): void {
  for (let i = o + 11; i >= o; i--) {
    buf[i] = (buf[i]! + 1) & 0xff;
    if (buf[i] !== 0) return;
  }
}

/**
 * RFC 3711 §4.1.1 IV: (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), with a 14-byte
 * session salt `k_s` and the 48-bit packet index `i` (for SRTCP the 31-bit SRTCP index).
 * Writes into `out` (16 bytes) and returns it.
 */
export function srtpIv(out: Buffer, salt: Buffer, ssrc: number, index: number): Buffer {
  salt.copy(out, 0, 0, 14);
  out[14] = 0;
  out[15] = 0;
  out.writeUInt32BE((out.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  const indexHigh = Math.floor(index / 0x1_0000_0000); // top 16 bits of the 48-bit index
  out.writeUInt16BE((out.readUInt16BE(8) ^ indexHigh) & 0xffff, 8);
  out.writeUInt32BE((out.readUInt32BE(10) ^ index) >>> 0, 10);
  return out;
}
