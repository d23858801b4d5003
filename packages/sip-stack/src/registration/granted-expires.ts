/** Reading the granted registration interval from a 2xx to REGISTER (RFC 3261 §10.2.4). */
import type { SipResponse } from '../message/types.js';
import { getHeader, getHeaders } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import { parseUri, isSipUri } from '../message/uri.js';

function sameContact(a: string, b: string): boolean {
  const ua = parseUri(a);
  const ub = parseUri(b);
  if (!isSipUri(ua) || !isSipUri(ub)) return a === b;
  return (
    ua.user === ub.user &&
    ua.host.toLowerCase() === ub.host.toLowerCase() &&
    (ua.port ?? 5060) === (ub.port ?? 5060)
  );
}

/**
 * The interval granted for our binding: the `expires` parameter of our Contact in the
 * response, else the Expires header, else `requestedSec` (RFC 3261 §10.2.4).
 */
export function grantedExpiresSec(res: SipResponse, ourContactUri: string, requestedSec: number): number {
  for (const value of getHeaders(res, 'Contact')) {
    const na = parseNameAddr(value);
    if (!na || !sameContact(na.uri, ourContactUri)) continue;
    const e = na.params.get('expires');
    if (e != null && /^\d+$/.test(e)) return Number(e);
  }
  const header = getHeader(res, 'Expires');
  if (header !== undefined && /^\s*\d+\s*$/.test(header)) return Number(header);
  return requestedSec;
}
