/**
 * Digest authentication of a dialog's own requests (RFC 3261 §22.2, §14.1): a 401/407 to
 * a request we sent inside the dialog is answered once, with the request built again
 * (CSeq + 1: a new transaction in the same dialog) and credentials added. The digest
 * computation and challenge choice (strongest algorithm, RFC 8760 §2.4) are `auth/`'s.
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { getHeader } from '../message/headers.js';
import type { DigestSession } from '../registration/digest-session.js';
import { createDigestSession } from '../registration/digest-session.js';

/**
 * Digest credentials for challenges to our in-dialog requests (RFC 3261 §22.2).
 * `authUsername` is the authentication ID when it differs from the user (3CX's
 * "Authentication ID"); default `username`.
 */
export interface DialogCredentials {
  readonly username: string;
  readonly authUsername?: string;
  readonly password: string;
}

/** A request ready to send and the URI of its next hop. */
export interface OutgoingRequest {
  readonly request: SipRequest;
  readonly nextHopUri: string;
}

/** The digest state of one dialog's credentials. */
export function createDialogDigest(credentials: DialogCredentials): DigestSession {
  return createDigestSession(credentials.authUsername ?? credentials.username, credentials.password);
}

/** The CSeq number of a request we built (0 when absent). */
export function cseqNumber(req: SipRequest): number {
  return Number.parseInt(getHeader(req, 'CSeq') ?? '0', 10);
}

/**
 * Send `first`; on a 401/407 with a digest challenge we can answer (and `digest` set),
 * `rebuild` the request with the Authorization / Proxy-Authorization headers and send it
 * once. Returns the last request sent and its final response: a second challenge is
 * returned as is (RFC 3261 §22.2: the credentials were refused). `onSent` gets each
 * attempt's CSeq number before it is sent.
 */
export async function sendWithDigestRetry(
  digest: DigestSession | undefined,
  first: OutgoingRequest,
  rebuild: (authHeaders: SipHeader[]) => OutgoingRequest,
  send: (o: OutgoingRequest) => Promise<SipResponse>,
  onSent?: (seq: number) => void,
): Promise<{ request: SipRequest; res: SipResponse }> {
  onSent?.(cseqNumber(first.request));
  const res = await send(first);
  const challenged = res.status === 401 || res.status === 407;
  if (!challenged || !digest || digest.onChallenge(res) === 'none') return { request: first.request, res };
  const { method, uri, body } = first.request;
  const retry = rebuild(digest.authorization(method, uri, body));
  onSent?.(cseqNumber(retry.request));
  return { request: retry.request, res: await send(retry) };
}
