/**
 * Checking a REFER we received (RFC 3515 §2.4.2) before the application sees it: exactly
 * one Refer-To with a URI we can contact, its embedded Replaces (RFC 3891 §6.1), the
 * Referred-By (RFC 3892) and the Refer-Sub wish (RFC 4488 §4). Pure; never throws.
 */
import type { SipMessage, SipRequest } from '../message/types.js';
import { getHeader, getHeaders } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import { formatUri, isSipUri, parseUri } from '../message/uri.js';
import type { ReplacesTarget } from '../dialog/replaces.js';
import { parseReplaces } from '../dialog/replaces.js';

/** A REFER that may be offered to the application. */
export interface ReferRequestFields {
  /** The Refer-To URI without its `?headers` (a `sip:` or `sips:` URI). */
  readonly target: string;
  /** The dialog named by the Refer-To's `?Replaces=`, as the REFER sender sees it (RFC 3891 §3). */
  readonly replaces?: ReplacesTarget;
  /** The Referred-By header value as received (RFC 3892 §3), to copy into the triggered INVITE. */
  readonly referredBy?: string;
  /** The sender asked for no implicit subscription (`Refer-Sub: false`, RFC 4488 §4). */
  readonly noSubscription: boolean;
}

/** The outcome of {@link checkRefer}: the fields, or the error response to send. */
export type ReferCheck =
  | ({ readonly ok: true } & ReferRequestFields)
  | { readonly ok: false; readonly status: number; readonly reason: string };

/**
 * Check a REFER (RFC 3515 §2.4.2):
 * - zero or more than one Refer-To value (also `<a>, <b>` on one line): 400;
 * - a Refer-To that is not a name-addr/addr-spec, or whose `?Replaces=` is malformed
 *   (RFC 3891 §3 answers such an INVITE 400): 400;
 * - a URI scheme other than sip/sips (http:, mailto:, tel:, ...): 403. RFC 3515 §2.4.2 lets
 *   the recipient decline a REFER it will not act on; 416 (RFC 3261 §21.4.14) is about the
 *   Request-URI's scheme, which is fine here, so it would mislead the sender.
 * Other `?headers` of the Refer-To URI are not carried over (RFC 3515 §5.1: the referred
 * request is ours to build); `target` is the URI without them.
 */
export function checkRefer(req: SipRequest): ReferCheck {
  const values = getHeaders(req, 'Refer-To');
  if (values.length !== 1) return bad(values.length === 0 ? 'Missing Refer-To' : 'More than one Refer-To');
  const na = parseNameAddr(values[0]!);
  if (!na) return bad('Malformed Refer-To');
  const uri = parseUri(na.uri);
  if (!uri) return bad('Malformed Refer-To');
  if (!isSipUri(uri)) return { ok: false, status: 403, reason: 'Refer-To Scheme Not Supported' };
  let replaces: ReplacesTarget | undefined;
  const replacesValue = [...uri.headers].find(([k]) => k.toLowerCase() === 'replaces')?.[1];
  if (replacesValue !== undefined) {
    const r = parseReplaces(replacesValue);
    if (!r) return bad('Malformed Replaces in Refer-To');
    // RFC 3891 §3: the Replaces tags are the target's view; the transferor's is the reverse.
    replaces = { callId: r.callId, localTag: r.fromTag, remoteTag: r.toTag };
  }
  const referredBy = getHeader(req, 'Referred-By')?.trim();
  return {
    ok: true,
    target: formatUri({ ...uri, headers: new Map() }),
    ...(replaces ? { replaces } : {}),
    ...(referredBy ? { referredBy } : {}),
    noSubscription: isReferSubFalse(req),
  };
}

/**
 * RFC 4488 §4/§7: `Refer-Sub: false[;ext]` in a REFER asks for no implicit subscription, in
 * its 2xx says there is none; `true`, any other value or no header leaves RFC 3515's.
 */
export function isReferSubFalse(msg: SipMessage): boolean {
  const v = getHeader(msg, 'Refer-Sub');
  return v !== undefined && v.split(';')[0]!.trim().toLowerCase() === 'false';
}

function bad(reason: string): ReferCheck {
  return { ok: false, status: 400, reason };
}
