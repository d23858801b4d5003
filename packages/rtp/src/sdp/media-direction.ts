/**
 * Media direction negotiation (RFC 3264 §6.1 and §8.4, RFC 4566 §6) and hold detection.
 */
import type { MediaDirection } from './types.js';

const canSend = (d: MediaDirection): boolean => d === 'sendrecv' || d === 'sendonly';
const canRecv = (d: MediaDirection): boolean => d === 'sendrecv' || d === 'recvonly';

function fromFlags(send: boolean, recv: boolean): MediaDirection {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/** Parse an SDP direction value; anything else means the default `sendrecv` (RFC 4566 §6). */
export function toDirection(value: string | undefined): MediaDirection {
  return value === 'sendonly' || value === 'recvonly' || value === 'inactive' ? value : 'sendrecv';
}

/**
 * Our direction given the remote's and what we want (RFC 3264 §6.1): we send only if we
 * want to and they receive; we receive only if we want to and they send. So sendonly
 * answers recvonly, recvonly answers sendonly, inactive answers inactive.
 */
export function negotiateDirection(remote: MediaDirection, wanted: MediaDirection): MediaDirection {
  return fromFlags(canSend(wanted) && canRecv(remote), canRecv(wanted) && canSend(remote));
}

/** Is this connection address the RFC 2543 hold marker (`c=IN IP4 0.0.0.0`, also `::`)? */
export function isHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
}

/**
 * Effective remote direction: RFC 3264 §8.4 hold is `sendonly`/`inactive`; RFC 2543 hold
 * (`c=0.0.0.0`) is treated as `sendonly` (they will not receive), or `inactive` if they
 * also said recvonly/inactive.
 */
export function effectiveRemoteDirection(declared: MediaDirection, address: string): MediaDirection {
  if (!isHoldAddress(address)) return declared;
  return canSend(declared) ? 'sendonly' : 'inactive';
}

/** The remote has put us on hold (it no longer wants to receive our media). */
export function isRemoteHold(remote: MediaDirection): boolean {
  return remote === 'sendonly' || remote === 'inactive';
}
