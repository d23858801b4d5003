/**
 * Placing a call (RFC 3261 §13.2): INVITE, provisional responses, the UAC dialog on
 * 2xx with its ACK (§13.2.2.4), CANCEL on abort (§9.1). Session timers (RFC 4028 §7):
 * the INVITE offers `Session-Expires`, a 422 is retried once with its Min-SE, and the
 * 2xx's Session-Expires/refresher starts the dialog's session timer.
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { createRequest } from '../message/builders.js';
import { outOfDialogHeaders } from './request-headers.js';
import { parseUri, isSipUri } from '../message/uri.js';
import type { Target, TransportProtocol } from '../transport/transport.js';
import { readMessageInfo } from '../transport/message-info.js';
import type { ClientTransactionUser } from '../transaction/transaction.js';
import { syntheticResponse } from '../transaction/synthetic-response.js';
import type { Dialog, DialogCredentials } from '../dialog/dialog.js';
import type { DialogHost } from '../dialog/dialog-host.js';
import { createUacDialog } from '../dialog/dialog-factory.js';
import { allowsMethod, parseMinSe, parseSessionExpires } from '../dialog/session-timer.js';
import { getHeader } from '../message/headers.js';
import { ALLOW_VALUE } from './core-checks.js';
import type { DigestSession } from '../registration/digest-session.js';
import { createDigestSession } from '../registration/digest-session.js';

/** Options of `UserAgent.invite`. */
export interface InviteOptions {
  /** Our From URI. Default `sip:<contactUser>@<our address>`. */
  readonly from?: string;
  /** To URI. Default the Request-URI. */
  readonly to?: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly headers?: SipHeader[];
  /** Transport when the URI has no `transport` parameter. Default UDP. */
  readonly transport?: TransportProtocol;
  /** Abort before the answer: CANCEL is sent (RFC 3261 §9.1), the promise rejects. */
  readonly signal?: AbortSignal;
  /** Called for each provisional response (180, 183 with early media SDP, ...). */
  readonly onProgress?: (res: SipResponse) => void;
  /**
   * Digest credentials for a 401/407 challenge to the INVITE (RFC 3261 §22.2), kept by the
   * dialog for challenges to its later requests (re-INVITE, UPDATE, BYE, REFER, INFO, ...).
   * `authUsername`: the authentication ID when it differs (default `username`).
   */
  readonly credentials?: DialogCredentials;
}

/** The call was not answered: final non-2xx response (or synthetic 408/503). */
export class CallFailedError extends Error {
  override readonly name = 'CallFailedError';
  constructor(readonly response: SipResponse) {
    super(`call failed: ${response.status} ${response.reason}`);
  }
}

/** What placing a call needs from the UA core. */
export interface OutgoingCallHost extends DialogHost {
  addDialog(dialog: Dialog): void;
  resolve(uri: string, preferred?: TransportProtocol): Promise<Target | undefined>;
  sendRequest(req: SipRequest, target: Target, tu: ClientTransactionUser): { readonly request: SipRequest };
}

/** Place a call to `uri`; resolves with the confirmed dialog once the 2xx was ACKed. */
export async function placeCall(host: OutgoingCallHost, uri: string, opts: InviteOptions): Promise<Dialog> {
  const protocol = opts.transport ?? uriProtocol(uri) ?? 'udp';
  const invite = buildInvite(host, uri, opts, protocol);
  const target = await host.resolve(uri, opts.transport);
  if (!target) throw new CallFailedError(syntheticResponse(invite, 503, 'Unresolvable Destination'));
  return new Promise<Dialog>((resolve, reject) => {
    new InviteAttempt(host, target, opts, resolve, reject).start(invite);
  });
}

function buildInvite(
  host: OutgoingCallHost,
  uri: string,
  opts: InviteOptions,
  protocol: TransportProtocol,
): SipRequest {
  const headers: SipHeader[] = [
    ...outOfDialogHeaders({
      method: 'INVITE',
      uri,
      from: opts.from,
      to: opts.to,
      contact: host.contact(protocol),
    }),
    { name: 'Contact', value: host.contact(protocol) },
    { name: 'Allow', value: ALLOW_VALUE },
    ...host.commonHeaders('request'),
    ...(opts.headers ?? []),
  ];
  // RFC 4028 §7.1: offer our session interval (Supported: timer is in the common headers).
  const timers = host.sessionTimers;
  if (timers && !headers.some((h) => h.name.toLowerCase() === 'session-expires')) {
    headers.push({ name: 'Session-Expires', value: String(timers.expiresSec) });
  }
  return createRequest({ method: 'INVITE', uri, headers, body: opts.body, contentType: opts.contentType });
}

/** One INVITE client transaction seen from the UAC core. */
class InviteAttempt implements ClientTransactionUser {
  private tx: { readonly request: SipRequest } | undefined;
  private dialog: Dialog | undefined;
  private provisional = false;
  private cancelWanted = false;
  private cancelled = false;
  private challenges = 0;
  private intervalRetried = false;
  private readonly digest: DigestSession | undefined;

  constructor(
    private readonly host: OutgoingCallHost,
    private readonly target: Target,
    private readonly opts: InviteOptions,
    private readonly resolve: (d: Dialog) => void,
    private readonly reject: (e: Error) => void,
  ) {
    const c = opts.credentials;
    this.digest = c ? createDigestSession(c.authUsername ?? c.username, c.password) : undefined;
  }

  start(invite: SipRequest): void {
    this.tx = this.host.sendRequest(invite, this.target, this);
    this.opts.signal?.addEventListener('abort', () => {
      this.cancelWanted = true;
      if (this.provisional) this.sendCancel();
    });
  }

  onResponse(res: SipResponse): void {
    if (res.status < 200) {
      this.provisional = true;
      if (this.cancelWanted) this.sendCancel(); // RFC 3261 §9.1: CANCEL only after a provisional
      this.opts.onProgress?.(res);
      return;
    }
    if ((res.status === 401 || res.status === 407) && this.retryWithCredentials(res)) return;
    if (res.status === 422 && this.retryWithMinSe(res)) return;
    if (res.status >= 300) return this.reject(new CallFailedError(res));
    if (this.dialog) return this.onAnother2xx(res);
    this.onAccepted(res);
  }

  /** A 2xx after the first: a retransmission (re-ACK), or a forked answer (ACK then BYE, RFC 3261 §13.2.2.4). */
  private onAnother2xx(res: SipResponse): void {
    const info = readMessageInfo(res);
    if (!info || !this.dialog || info.toTag === this.dialog.remoteTag) return this.dialog?.resendAck();
    const invite = this.tx!.request;
    const extra = createUacDialog(this.host, invite, res, info, this.target.protocol, contactOf(invite));
    if (!extra) return;
    this.host.addDialog(extra);
    void extra.ack2xx(invite, res).then(() => extra.bye());
  }

  private onAccepted(res: SipResponse): void {
    const invite = this.tx!.request;
    const info = readMessageInfo(res);
    const dialog = info
      ? createUacDialog(this.host, invite, res, info, this.target.protocol, contactOf(invite))
      : undefined;
    if (!dialog) return this.reject(new CallFailedError(res));
    dialog.remoteBody = { body: res.body, contentType: getHeader(res, 'Content-Type') ?? '' };
    if (this.opts.credentials) dialog.setCredentials(this.opts.credentials);
    this.dialog = dialog;
    this.host.addDialog(dialog);
    this.startSessionTimer(dialog, res);
    dialog.ack2xx(invite, res).then(() => {
      if (!this.cancelWanted) return this.resolve(dialog);
      // Aborted but answered anyway (CANCEL/2xx race, RFC 3261 §9.1): hang up.
      void dialog.bye();
      this.reject(new CallFailedError(res));
    }, this.reject);
  }

  /**
   * RFC 3261 §22.2: re-send the INVITE with credentials (same Call-ID and From tag, CSeq
   * + 1, new branch). At most two challenges: a second non-stale one means bad credentials.
   */
  private retryWithCredentials(res: SipResponse): boolean {
    if (!this.digest || !this.tx || this.cancelWanted || ++this.challenges > 2) return false;
    const verdict = this.digest.onChallenge(res);
    if (verdict === 'none' || (verdict === 'new' && this.challenges > 1)) return false;
    const previous = this.tx.request;
    const headers: SipHeader[] = [];
    for (const h of previous.headers) {
      if (h.name === 'Via' || h.name === 'Authorization' || h.name === 'Proxy-Authorization') continue;
      headers.push(
        h.name === 'CSeq' ? { name: 'CSeq', value: `${Number.parseInt(h.value, 10) + 1} INVITE` } : h,
      );
    }
    headers.push(...this.digest.authorization('INVITE', previous.uri, previous.body));
    const invite: SipRequest = { ...previous, headers };
    this.provisional = false;
    this.tx = this.host.sendRequest(invite, this.target, this);
    return true;
  }

  /**
   * RFC 4028 §7.2: a 2xx with Session-Expires starts the session timer; `refresher=uac`
   * (or none) makes us the refresher. Without Session-Expires the session does not expire.
   */
  private startSessionTimer(dialog: Dialog, res: SipResponse): void {
    const cfg = this.host.sessionTimers;
    const se = parseSessionExpires(res);
    if (!cfg || !se) return;
    dialog.startSessionTimer(cfg, se.deltaSec, se.refresher !== 'uas', allowsMethod(res, 'UPDATE'));
  }

  /**
   * RFC 4028 §7.3: a 422 names the smallest interval the UAS or a proxy accepts: re-send
   * the INVITE once (same Call-ID and From tag, CSeq + 1, new branch) with
   * `Session-Expires` and `Min-SE` raised to that value.
   */
  private retryWithMinSe(res: SipResponse): boolean {
    const minSe = parseMinSe(res);
    if (minSe === undefined || this.intervalRetried || !this.tx || this.cancelWanted) return false;
    this.intervalRetried = true;
    const previous = this.tx.request;
    const headers: SipHeader[] = [];
    for (const h of previous.headers) {
      const name = h.name.toLowerCase();
      if (name === 'via' || name === 'session-expires' || name === 'min-se') continue;
      headers.push(
        h.name === 'CSeq' ? { name: 'CSeq', value: `${Number.parseInt(h.value, 10) + 1} INVITE` } : h,
      );
    }
    const current = parseSessionExpires(previous)?.deltaSec ?? 0;
    headers.push({ name: 'Session-Expires', value: String(Math.max(current, minSe)) });
    headers.push({ name: 'Min-SE', value: String(minSe) });
    const invite: SipRequest = { ...previous, headers };
    this.provisional = false;
    this.tx = this.host.sendRequest(invite, this.target, this);
    return true;
  }

  private sendCancel(): void {
    if (this.cancelled || !this.tx) return;
    this.cancelled = true;
    this.host.sendRequest(buildCancel(this.tx.request), this.target, { onResponse: () => undefined });
  }
}

/** The CANCEL for an INVITE (RFC 3261 §9.1): same R-URI, Call-ID, From, To, CSeq number, top Via, Route. */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers: SipHeader[] = [];
  let via = false;
  for (const h of invite.headers) {
    if (h.name === 'Via' && !via) {
      headers.push(h);
      via = true;
    } else if (
      h.name === 'From' ||
      h.name === 'To' ||
      h.name === 'Call-ID' ||
      h.name === 'Route' ||
      h.name === 'Max-Forwards'
    ) {
      headers.push(h);
    } else if (h.name === 'CSeq') {
      headers.push({ name: 'CSeq', value: `${Number.parseInt(h.value, 10)} CANCEL` });
    }
  }
  return {
    kind: 'request',
    method: 'CANCEL',
    uri: invite.uri,
    version: 'SIP/2.0',
    headers,
    body: Buffer.alloc(0),
  };
}

function contactOf(req: SipRequest): string {
  return req.headers.find((h) => h.name === 'Contact')?.value ?? '';
}

function uriProtocol(uri: string): TransportProtocol | undefined {
  const u = parseUri(uri);
  if (!isSipUri(u)) return undefined;
  const t = u.params.get('transport')?.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss'
    ? t
    : u.scheme === 'sips'
      ? 'tls'
      : undefined;
}
