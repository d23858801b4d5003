import type { SipRequest, SipResponse } from '../message/types.js';
import { createResponse, generateTag } from '../message/builders.js';

/**
 * A stateless error response to a request the upper layers never see (parse errors,
 * RFC 4475 expectations), with a To tag (RFC 3261 §8.2.6.2). Undefined when it cannot be built.
 */
export function errorResponse(req: SipRequest, status: number, reason: string): SipResponse | undefined {
  try {
    const safeReason = reason !== '' && reason.length < 80 && !/[\r\n]/.test(reason) ? reason : undefined;
    return createResponse(req, status, { reason: safeReason, toTag: generateTag() });
  } catch {
    return undefined;
  }
}
