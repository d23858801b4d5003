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
  const m = /^[ \t]*(\d{1,10})[ \t\r\n]+([^ \t\r\n]+)[ \t]*$/.exec(value);
  if (m === null) return undefined;
  const seq = +m[1]!;
  const method = m[2]!;
  if (seq > MAX_CSEQ || !isToken(method)) return undefined;
  return { seq, method };
}

/** Format as `seq METHOD`. */
export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
