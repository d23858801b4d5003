/**
 * A pooled source of cryptographic randomness for identifiers (tags, branches, Call-IDs).
 * `crypto.randomBytes(n)` per identifier costs a native call and a Buffer each time; at
 * thousands of calls per second that shows up in profiles. This draws one 4 KiB block from
 * the CSPRNG at a time and hands out slices of it as hex, so every identifier is still made
 * of fresh CSPRNG bytes that are never handed out twice (RFC 3261 §19.3 asks tags for at
 * least 32 random bits; §8.1.1.7 wants branches unique).
 */
import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG per refill. */
const POOL_BYTES = 4096;

const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` fresh random bytes (at most 4096) as lowercase hex, `2 * bytes` characters long. */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES || bytes < 1) throw new RangeError(`randomHex: ${bytes} bytes out of range`);
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes; // each byte is handed out once
  return pool.toString('hex', start, offset);
}
