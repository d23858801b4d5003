import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha1 } from './hmac-sha1.js';

describe('HmacSha1', () => {
  it('equals node:crypto HMAC-SHA1 (RFC 2104)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 8 }),
        (k, a, b) => {
          const key = Buffer.from(k);
          const h = new HmacSha1(key);
          const want = createHmac('sha1', key).update(a).update(b).digest();
          expect(h.digest(Buffer.from(a), Buffer.from(b)).equals(want)).toBe(true);
          expect(h.digest(Buffer.from(a)).equals(createHmac('sha1', key).update(a).digest())).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
