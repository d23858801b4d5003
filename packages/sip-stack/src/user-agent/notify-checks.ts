/**
 * The UA core's RFC 3261 §8.2 checks for NOTIFY. NOTIFY is handled only inside a dialog,
 * as the subscriber of a REFER's implicit subscription (RFC 3515 §2.4.4, RFC 6665 §4.1.3);
 * outside any dialog it gets 481 like every other request without one.
 */
import type { SipRequest } from '../message/types.js';
import { validateRequest } from '../message/validate.js';
import type { CheckFailure } from './core-checks.js';
import { checkRequest } from './core-checks.js';

/** {@link checkRequest}, except that NOTIFY passes the method check (405) and gets the rest. */
export function checkRequestOrNotify(
  req: SipRequest,
  supported: readonly string[],
): CheckFailure | undefined {
  if (req.method !== 'NOTIFY') return checkRequest(req, supported);
  const failure = validateRequest(req, { supported, allowedMethods: ['NOTIFY'] });
  if (!failure) return undefined;
  return { status: failure.status, reason: failure.reason, headers: failure.headers ?? [] };
}
