/** CSeq header (RFC 3261 §20.16). */
import { isToken } from './token.js';
import type { CSeq } from './types.js';

/** Largest CSeq sequence number: 2**31 - 1 (RFC 3261 §8.1.1.5). */
export const MAX_CSEQ = 0x7fffffff;

/**
 * Parse `1*DIGIT LWS Method`. The number must be below 2**31 (RFC 3261 §8.1.1.5,
 * RFC 4475 scalar02); the method must be a token. Undefined when malformed.
 */
export function parseCSeq(value: string): CSeq | undefined {
  const n = value.length;
  let i = 0;
  while (i < n && isLws(value.charCodeAt(i))) i++;
  const start = i;
  let seq = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
    i++;
  }
  if (i === start || i - start > 10 || seq > MAX_CSEQ) return undefined;
  const sep = i;
  while (i < n && isLws(value.charCodeAt(i))) i++;
  if (i === sep) return undefined; // LWS required between number and method
  let end = n;
  while (end > i && isLws(value.charCodeAt(end - 1))) end--;
  const method = value.slice(i, end);
  return isToken(method) ? { seq, method } : undefined;
}

function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Format as `seq METHOD`. */
export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
