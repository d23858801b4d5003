import type { SipRequest, SipResponse } from '../message/types.js';
import { createResponse } from '../message/builders.js';

const synthetic = new WeakSet<SipResponse>();

/**
 * A locally generated response to our own request (RFC 3261 §8.1.3.1: a transaction
 * timeout is treated as 408, a transport error as 503). Never sent on the wire.
 */
export function syntheticResponse(req: SipRequest, status: number, reason: string): SipResponse {
  const res = createResponse(req, status, { reason });
  synthetic.add(res);
  return res;
}

/** True for responses made by {@link syntheticResponse} (not received from the network). */
export function isSynthetic(res: SipResponse): boolean {
  return synthetic.has(res);
}
