/**
 * UAS request checks of the UA core before any method-specific processing
 * (RFC 3261 §8.2.1 method, §8.2.2.1 URI scheme, §8.2.2.3 Require).
 */
import type { SipHeader, SipRequest } from '../message/types.js';
import { getHeaders } from '../message/headers.js';

/** Methods the core implements. */
export const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'MESSAGE',
] as const;

/** Methods we know but do not accept (405 with Allow, RFC 3261 §8.2.1). */
const KNOWN_METHODS = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH', 'PRACK']);

/** The result of a failed check: status and headers for the response. */
export interface CheckFailure {
  readonly status: number;
  readonly headers: SipHeader[];
}

/** The Allow header value. */
export const ALLOW_VALUE = ALLOWED_METHODS.join(', ');

/**
 * Run the generic checks; undefined when the request may proceed.
 * - unknown method -> 501, known but not allowed -> 405 + Allow (§8.2.1)
 * - Request-URI scheme other than sip/sips/tel -> 416 (§8.2.2.1)
 * - Require with tags we do not support -> 420 + Unsupported (§8.2.2.3; not for ACK/CANCEL)
 */
export function checkRequest(req: SipRequest, supported: ReadonlySet<string>): CheckFailure | undefined {
  const method = req.method;
  if (!(ALLOWED_METHODS as readonly string[]).includes(method)) {
    if (KNOWN_METHODS.has(method)) return { status: 405, headers: [{ name: 'Allow', value: ALLOW_VALUE }] };
    return { status: 501, headers: [] };
  }
  const colon = req.uri.indexOf(':');
  const scheme = colon > 0 ? req.uri.slice(0, colon).toLowerCase() : '';
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') return { status: 416, headers: [] };
  if (method !== 'ACK' && method !== 'CANCEL') {
    const unsupported = getHeaders(req, 'Require').filter((tag) => !supported.has(tag.toLowerCase()));
    if (unsupported.length > 0)
      return { status: 420, headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] };
  }
  return undefined;
}
