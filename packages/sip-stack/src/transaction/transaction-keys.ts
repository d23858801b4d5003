/**
 * Transaction matching keys (RFC 3261 §17.1.3, §17.2.3) and merged-request detection
 * (§8.2.2.2). Pure string functions: O(1) map lookups per message.
 */
import type { SipRequest } from '../message/types.js';
import type { MessageInfo } from '../transport/message-info.js';
import { MAGIC_COOKIE } from '../transport/message-info.js';

/**
 * A copy of `s` that holds no reference to the text it was cut from. Keys are built from
 * slices of a received datagram's text; a key kept for the 64*T1 a finished transaction
 * lives would keep that whole text alive (V8 sliced and concatenated strings).
 */
export function ownString(s: string): string {
  return (' ' + s).slice(1);
}

/** RFC 3261 §17.1.3: a response matches by top-Via branch and CSeq method. */
export function clientKey(branch: string, cseqMethod: string): string {
  return `${branch}|${cseqMethod}`;
}

/**
 * RFC 3261 §17.2.3: a request matches by branch, sent-by and method (ACK matches INVITE).
 * Without the magic cookie (RFC 2543 peers) fall back to Request-URI, From tag, Call-ID,
 * CSeq number, method and top Via (sent-by + branch). An ACK for a non-2xx carries the
 * INVITE's Request-URI, so the fallback key matches it too.
 */
export function serverKey(req: SipRequest, info: MessageInfo, methodOverride?: string): string {
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  if (info.branch.startsWith(MAGIC_COOKIE)) return `${info.branch}|${info.sentBy}|${method}`;
  return `2543|${req.uri}|${info.fromTag ?? ''}|${info.callId}|${info.cseq.seq}|${method}|${info.sentBy}|${info.branch}`;
}

/**
 * RFC 3261 §8.2.2.2: key of an out-of-dialog request (no To tag) for loop/merge
 * detection: From tag, Call-ID and CSeq. Undefined for in-dialog requests.
 */
export function mergeKey(info: MessageInfo): string | undefined {
  if (info.toTag !== undefined) return undefined;
  return `${info.fromTag ?? ''}|${info.callId}|${info.cseq.seq}|${info.cseq.method}`;
}
