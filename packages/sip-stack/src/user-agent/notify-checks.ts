/**
 * The UA core's RFC 3261 §8.2 checks, with the methods only a dialog handles: NOTIFY, as the
 * subscriber of a REFER's implicit subscription (RFC 3515 §2.4.4, RFC 6665 §4.1.3), and
 * REFER, as the transferee (RFC 3515 §2.4.2). Outside any dialog they get what the core
 * gives other requests without one.
 */
import type { SipRequest } from '../message/types.js';
import { validateRequest } from '../message/validate.js';
import type { CheckFailure } from './core-checks.js';
import { checkRequest } from './core-checks.js';
import { ALLOW, withMethod } from './allow.js';

/** Methods that pass the method check (405) here although the core's list lacks them. */
const DIALOG_METHODS: readonly string[] = ['NOTIFY', 'REFER'];

/**
 * {@link checkRequest}, except that NOTIFY and REFER pass the method check (405) and get the
 * rest; a 405's Allow lists REFER as well (RFC 3261 §21.4.6: the methods we do take).
 */
export function checkCoreRequest(req: SipRequest, supported: readonly string[]): CheckFailure | undefined {
  if (!DIALOG_METHODS.includes(req.method)) {
    const failure = checkRequest(req, supported);
    if (failure?.status !== 405) return failure;
    const headers = failure.headers.map((h) =>
      h.name.toLowerCase() === 'allow' ? { name: h.name, value: withMethod(h.value, 'REFER') } : h,
    );
    return { ...failure, headers: headers.length > 0 ? headers : [{ name: 'Allow', value: ALLOW }] };
  }
  const failure = validateRequest(req, { supported, allowedMethods: [req.method] });
  if (!failure) return undefined;
  return { status: failure.status, reason: failure.reason, headers: failure.headers ?? [] };
}
