/**
 * The few fields every layer needs from a received message, parsed once by the
 * transport layer (RFC 3261 §8.2.2, §17.1.3, §17.2.3) and handed up with it.
 */
import type { CSeq, SipMessage, Via } from '../message/types.js';
import { parseVia } from '../message/via.js';
import { parseCSeq } from '../message/cseq.js';
import { parseNameAddr } from '../message/name-addr.js';

/** The RFC 3261 branch magic cookie (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/** Fields parsed once per received message. */
export interface MessageInfo {
  /** Top Via value (after `received`/`rport` were added for requests). */
  readonly via: Via;
  /** Top Via branch; empty string when absent. */
  readonly branch: string;
  /** Top Via sent-by as `host:port` (port included only when present). */
  readonly sentBy: string;
  readonly callId: string;
  readonly cseq: CSeq;
  /** From tag; undefined when absent. */
  readonly fromTag: string | undefined;
  /** To tag; undefined when absent. */
  readonly toTag: string | undefined;
}

/**
 * Parse the transaction/dialog identifying fields of `msg`. Returns undefined when one
 * of Via, Call-ID, CSeq, From, To is missing or malformed (the message is then unusable).
 * `topVia` saves re-parsing a top Via the caller already parsed.
 */
export function readMessageInfo(msg: SipMessage, topVia?: Via): MessageInfo | undefined {
  let viaValue: string | undefined;
  let callId: string | undefined;
  let cseqValue: string | undefined;
  let fromValue: string | undefined;
  let toValue: string | undefined;
  for (const h of msg.headers) {
    switch (h.name) {
      case 'Via':
        viaValue ??= h.value;
        break;
      case 'Call-ID':
        callId ??= h.value;
        break;
      case 'CSeq':
        cseqValue ??= h.value;
        break;
      case 'From':
        fromValue ??= h.value;
        break;
      case 'To':
        toValue ??= h.value;
        break;
    }
  }
  if (!viaValue || !callId || !cseqValue || !fromValue || !toValue) return undefined;
  const via = topVia ?? parseVia(viaValue)[0];
  const cseq = parseCSeq(cseqValue);
  const from = parseNameAddr(fromValue);
  const to = parseNameAddr(toValue);
  if (!via || !cseq || !from || !to) return undefined;
  const branch = via.params.get('branch') ?? '';
  return {
    via,
    branch,
    sentBy: via.port === undefined ? via.host : `${via.host}:${via.port}`,
    callId,
    cseq,
    fromTag: from.params.get('tag') ?? undefined,
    toTag: to.params.get('tag') ?? undefined,
  };
}
