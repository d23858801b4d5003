/**
 * HMAC-SHA1 (RFC 2104) for SRTP authentication (RFC 3711 §4.2.1) with the padded keys
 * computed once per session key. Uses the one-shot `crypto.hash` (Node >= 20.12), which
 * avoids creating an Hmac object per packet; falls back to `createHmac` otherwise.
 */
import crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (alg: string, data: Buffer, enc: 'buffer') => Buffer }).hash;
const BLOCK = 64;

/** HMAC-SHA1 with a fixed key. Not re-entrant (shares scratch buffers). */
export class HmacSha1 {
  private readonly ipad = Buffer.alloc(BLOCK, 0x36);
  private readonly outer = Buffer.alloc(BLOCK + 20, 0x5c);
  private scratch = Buffer.alloc(BLOCK + 256);

  constructor(private readonly key: Buffer) {
    // RFC 2104 §2: keys longer than the block are hashed first (never the case for SRTP).
    const k = key.length > BLOCK ? crypto.createHash('sha1').update(key).digest() : key;
    for (let i = 0; i < k.length; i++) {
      this.ipad[i]! ^= k[i]!;
      this.outer[i]! ^= k[i]!;
    }
  }

  /** HMAC(key, a || b) as a 20-byte Buffer. */
  digest(a: Buffer, b?: Buffer): Buffer {
    if (!oneShot) {
      const h = crypto.createHmac('sha1', this.key).update(a);
      return (b ? h.update(b) : h).digest();
    }
    const len = BLOCK + a.length + (b?.length ?? 0);
    if (this.scratch.length < len) this.scratch = Buffer.alloc(len * 2);
    this.ipad.copy(this.scratch, 0);
    a.copy(this.scratch, BLOCK);
    b?.copy(this.scratch, BLOCK + a.length);
    const inner = oneShot('sha1', this.scratch.subarray(0, len), 'buffer');
    inner.copy(this.outer, BLOCK);
    return oneShot('sha1', this.outer, 'buffer');
  }
}
