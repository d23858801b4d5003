/**
 * The dial path (`POST /calls`, RFC 3261 §13.2): validate the request, send the INVITE
 * with our SDP offer through the account's registrar/proxy, apply the answer and start
 * the call on the 2xx.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Dialog, SipHeader, UserAgent } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import type { Call } from './call.js';
import { targetUri } from './call-control.js';
import { localMediaOptions } from './call-media.js';
import { useNegotiatedMedia } from './call-session.js';
import type { CallHost } from './call-host.js';
import { localAddressFor } from './local-address.js';
import { createMediaOffer } from './media-offer.js';

/** A refused outbound call request, with the HTTP status that says why. */
export class CallRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What `POST /calls` asks for. */
export interface PlaceCallRequest {
  /** Extension, number, or sip:/sips:/tel: URI. */
  readonly to: string;
  /** Account name; default the first account with a registrar. */
  readonly account?: string;
  /** System prompt for this call's assistant. */
  readonly prompt?: string;
  /** Extra INVITE headers (a transfer we take: Replaces, RFC 3891 §6.1; Referred-By, RFC 3892 §3). */
  readonly headers?: readonly SipHeader[];
  /** Called for each provisional response to the INVITE (180, 183, ...). */
  readonly onProgress?: (status: number, reason: string) => void;
}

/** What a call or transfer target may look like: an extension, a number or a SIP/tel URI (no spaces, quotes or `<>`). */
export const TARGET_PATTERN = /^[A-Za-z0-9+*#@:;=._%[\]-]+$/;

/**
 * Places an outbound call: validates the request at once (throws `CallRequestError`), then
 * dials in the background; progress shows on the returned call.
 */
export function placeCall(host: CallHost, req: PlaceCallRequest): Call {
  const cfg = host.deps.config();
  const ua = host.deps.ua();
  if (!ua || host.draining) throw new CallRequestError(503, 'not accepting calls (starting or draining)');
  if (host.calls.size >= cfg.sip.maxConcurrentCalls)
    throw new CallRequestError(503, 'concurrent call limit reached');
  if (typeof req.to !== 'string' || !TARGET_PATTERN.test(req.to))
    throw new CallRequestError(400, '"to" must be an extension, a number or a SIP URI');
  const accounts = cfg.sip.accounts;
  const account = req.account
    ? accounts.find((a) => a.name === req.account)
    : (accounts.find((a) => a.server) ?? accounts[0]);
  if (!account) throw new CallRequestError(404, `no account named ${String(req.account)}`);
  if (!account.server && !/^sips?:/i.test(req.to))
    throw new CallRequestError(400, `account ${account.name} has no registrar: "to" must be a full SIP URI`);
  const toUri = targetUri(account, req.to.replace(/^tel:/i, ''));
  const user = account.username ?? 'voice-assistant';
  const fromUri = `sip:${user}@${account.domain ?? account.server ?? host.deps.publicAddress() ?? 'localhost'}`;
  const call = host.newCall({ callId: '', from: fromUri, to: toUri, direction: 'outbound' }, account);
  if (typeof req.prompt === 'string' && req.prompt.trim() !== '') call.prompt = req.prompt;
  dial(host, call, account, ua, toUri, req).catch((err: unknown) => {
    call.log.error({ err }, 'outbound call failed');
    host.deps.metrics.errorsTotal.inc({ error_type: 'sip_handler', account: account.name });
    host.end(call, 'failed');
  });
  return call;
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The host of `host[:port]`, `[v6]:port` or a bare IPv6 literal, without port or brackets
 * (RFC 3261 §19.1.1 hostport).
 */
export function hostOnly(hostport: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(hostport);
  if (v6) return v6[1] as string;
  const colons = hostport.split(':').length - 1;
  return colons === 1 ? (hostport.split(':')[0] as string) : hostport;
}

/** Sends the INVITE for `call` and, on a 2xx, applies the answer and starts the call. */
async function dial(
  host: CallHost,
  call: Call,
  account: AccountConfig,
  ua: UserAgent,
  toUri: string,
  req: PlaceCallRequest,
): Promise<void> {
  // Requests go to the registrar/proxy: Request-URI user@server:port, To user@domain.
  const server = account.server ? account.server : (/@([^;>]+)/.exec(toUri)?.[1] ?? '127.0.0.1');
  const requestUri = account.server
    ? `sip:${/^sips?:([^@]+)@/i.exec(toUri)?.[1] ?? ''}@${bracket(account.server)}:${account.port};transport=${account.transport}`
    : toUri;
  const alloc = await host.allocatePorts(call);
  if (!alloc) return host.end(call, 'failed');
  if (call.ended) return;
  const remoteHost = hostOnly(server);
  const remoteIp = isIP(remoteHost) ? remoteHost : (await lookup(remoteHost)).address;
  const address = host.deps.publicAddress() ?? (await localAddressFor(remoteIp));
  const sessionId = host.nextSessionId();
  const local = localMediaOptions(account, { address, port: alloc.port, sessionId, version: 1 });
  // RFC 3264 §5; a dtls-srtp account offers UDP/TLS/RTP/SAVPF with ICE-lite (media-offer.ts).
  const offer = await createMediaOffer(host, call, account, alloc.rtp, local);
  if (call.ended) return;
  call.log.info({ to: toUri, via: requestUri }, 'placing call');
  let dialog: Dialog;
  try {
    dialog = await ua.invite(requestUri, {
      from: call.parties.from,
      to: toUri,
      body: Buffer.from(offer.sdp),
      contentType: 'application/sdp',
      ...(req.headers && req.headers.length > 0 ? { headers: [...req.headers] } : {}),
      transport: account.transport,
      signal: call.abort.signal,
      credentials:
        account.password !== undefined
          ? { username: account.authUsername ?? account.username ?? '', password: account.password }
          : undefined,
      onProgress: (res) => {
        if (res.status >= 180 && call.state === 'dialing') call.state = 'ringing';
        req.onProgress?.(res.status, res.reason);
      },
    });
  } catch (err) {
    const status = (err as { response?: { status?: number } }).response?.status;
    call.sipStatus = status;
    call.log.info({ status, err: (err as Error).message }, 'call not answered');
    return host.end(call, call.abort.signal.aborted ? 'cancelled' : 'failed');
  }
  call.parties.callId = dialog.callId;
  call.dialog = dialog;
  if (call.ended || dialog.state === 'terminated') {
    if (dialog.state !== 'terminated') await dialog.bye().catch(() => undefined);
    return host.end(call, 'local-hangup');
  }
  const answer = offer.complete(dialog.remoteBody?.body.toString('utf8') ?? '');
  if (!answer.ok) {
    call.log.warn({ reason: answer.reason }, 'unusable SDP answer: hanging up');
    await dialog.bye().catch(() => undefined);
    return host.end(call, 'failed');
  }
  // RFC 5763 §5: the answerer picked the DTLS role; the app starts once keys are agreed (call-start.ts).
  useNegotiatedMedia(host, call, answer.media, { address, sessionId, sdp: offer.sdp }, alloc);
  host.confirm(call);
}
