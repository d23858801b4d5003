/**
 * UAS request checks of the UA core before any method-specific processing
 * (RFC 3261 §8.2: syntax 400, method 405/501, URI scheme 416, Require 420), delegated to
 * `validateRequest` from `message/`.
 */
import type { SipHeader, SipRequest } from '../message/types.js';
import { validateRequest } from '../message/validate.js';

/** Methods the core implements. */
export const ALLOWED_METHODS: readonly string[] = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'INFO',
  'UPDATE',
  'MESSAGE',
  'PRACK', // RFC 3262 §6 (UAS side: early-dialog PRACK for our reliable 18x)
];

/**
 * The Allow header value (RFC 3261 §20.5). MESSAGE is handled only when the application
 * listens for it, so it is left out here and added by the UA when it does.
 */
export const ALLOW_VALUE = ALLOWED_METHODS.filter((m) => m !== 'MESSAGE').join(', ');

/** Allow with MESSAGE when the application handles it. */
export const ALLOW_WITH_MESSAGE = ALLOWED_METHODS.join(', ');

/** The result of a failed check: status, reason and headers for the response. */
export interface CheckFailure {
  readonly status: number;
  readonly reason: string;
  readonly headers: SipHeader[];
}

/** Run the generic checks on an out-of-dialog request; undefined when it may proceed. */
export function checkRequest(req: SipRequest, supported: readonly string[]): CheckFailure | undefined {
  const failure = validateRequest(req, {
    supported,
    allowedMethods: ALLOWED_METHODS,
    // RFC 3261 §21.4.7: our answer to an INVITE carries SDP; an Accept without it gets 406.
    ...(req.method === 'INVITE' ? { responseContentTypes: ['application/sdp'] } : {}),
  });
  if (!failure) return undefined;
  return { status: failure.status, reason: failure.reason, headers: failure.headers ?? [] };
}
