/**
 * The answer path (RFC 3261 §13.3): route an incoming INVITE to an account, refuse what we
 * cannot take, answer the SDP offer (plain, SDES or DTLS-SRTP) or, for an offerless INVITE,
 * offer in the 2xx and take the answer from the ACK; wait for the ACK; for an INVITE with
 * Replaces (RFC 3891) end the replaced dialog.
 */
import { answerOffer, offersDtlsSrtp, type AnswerResult, type LocalMediaOptions } from '@voice-assistant/rtp';
import type { Dialog, IncomingCall, SipHeader } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import type { Call } from './call.js';
import { localMediaOptions } from './call-media.js';
import type { CallHost, PortAllocation } from './call-host.js';
import { useNegotiatedMedia } from './call-session.js';
import { endReasonOf } from './end-reason.js';
import { localAddressFor } from './local-address.js';
import { createMediaOffer } from './media-offer.js';
import { answerSecureOffer } from './secure-media.js';

/** The account an INVITE is for: the Request-URI user matched against username/extension, else the first. */
export function routeAccount(accounts: readonly AccountConfig[], inc: IncomingCall): AccountConfig {
  const user = /^sips?:([^@;>]+)@/i.exec(inc.request.uri)?.[1];
  return (
    accounts.find((a) => user !== undefined && (a.username === user || a.extension === user)) ??
    (accounts[0] as AccountConfig)
  );
}

/** Answers `inc` (or refuses it with the right status). Rejects only on unexpected errors. */
export async function answerIncoming(host: CallHost, inc: IncomingCall): Promise<void> {
  const cfg = host.deps.config();
  const account = routeAccount(cfg.sip.accounts, inc);
  const refuse = (status: number, reason: string, metricStatus: string, headers?: SipHeader[]): void => {
    host.deps.logger.info({ callId: inc.callId, status, reason }, `call refused: ${status} ${reason}`);
    inc.reject(status, { reason, headers });
    host.countRefusal(account.name, metricStatus, 'inbound');
  };
  if (host.draining)
    return refuse(503, 'Service Unavailable', 'rejected', [{ name: 'Retry-After', value: '30' }]);
  if (host.calls.size >= cfg.sip.maxConcurrentCalls)
    return refuse(503, 'Service Unavailable', 'busy', [{ name: 'Retry-After', value: '5' }]);
  const ctype = inc.contentType?.split(';')[0]?.trim().toLowerCase();
  // RFC 3261 §21.4.13 / §8.2.3: a body we cannot read is 415 with what we accept.
  if (inc.body.length > 0 && ctype !== 'application/sdp')
    return refuse(415, 'Unsupported Media Type', 'rejected', [{ name: 'Accept', value: 'application/sdp' }]);
  const call = host.newCall(
    { callId: inc.callId, from: inc.from.uri, to: inc.to.uri, direction: 'inbound' },
    account,
  );
  call.incoming = inc;
  inc.on('cancel', () => host.end(call, 'cancelled'));
  // The dialog may end before accept() resolves (ACK and BYE in one read): catch it here too.
  inc.on('terminated', (e: { reason: string }) => host.end(call, endReasonOf(e.reason)));
  call.log.info({ from: inc.from.uri, to: inc.to.uri, remote: inc.remote }, 'incoming call');

  const alloc = await host.allocatePorts(call);
  if (call.ended) return; // cancelled meanwhile (allocatePorts released the ports)
  if (!alloc) {
    // RFC 3261 §21.5.4: temporarily unable to take the call; the caller may fail over.
    inc.reject(503, { reason: 'Service Unavailable', headers: [{ name: 'Retry-After', value: '5' }] });
    return host.end(call, 'rejected');
  }
  const address = host.deps.publicAddress() ?? (await localAddressFor(inc.remote.address));
  const sessionId = host.nextSessionId();
  const local = localMediaOptions(account, { address, port: alloc.port, sessionId, version: 1 });
  const leg: Leg = { host, call, inc, account, alloc, local, ours: { address, sessionId } };
  if (inc.hasOffer) await answerTheOffer(leg);
  else await offerInTheAnswer(leg);
  // RFC 3891 §3: the new dialog is up; the one its Replaces header named ends with BYE.
  if (inc.replaces && call.state === 'active') await endReplaced(host, inc.replaces, call);
}

/** An incoming call being answered: where it came from and what we have for it. */
interface Leg {
  readonly host: CallHost;
  readonly call: Call;
  readonly inc: IncomingCall;
  readonly account: AccountConfig;
  readonly alloc: PortAllocation;
  /** Our side of the offer or answer (codecs, address, port). */
  readonly local: LocalMediaOptions;
  /** Our identity in the SDP (c= address, o= session id). */
  readonly ours: { readonly address: string; readonly sessionId: string };
}

/** The INVITE carried an offer: answer it in the 2xx (RFC 3264 §6). */
async function answerTheOffer(leg: Leg): Promise<void> {
  const { host, call, inc, account, alloc, local, ours } = leg;
  const cfg = host.deps.config();
  const offerText = inc.body.toString('utf8');
  let answer: AnswerResult;
  if (account.mediaEncryption === 'dtls-srtp' && offersDtlsSrtp(offerText)) {
    // RFC 5763/5764: DTLS-SRTP with ICE-lite on the RTP socket (rtcp-mux).
    answer = await answerSecureOffer(host, call, offerText, alloc.rtp, local, cfg);
  } else answer = answerOffer(offerText, local);
  if (call.ended) return call.secure?.close();
  if (!answer.ok) {
    call.log.info({ reason: answer.reason }, 'no acceptable media in the offer');
    inc.reject(answer.status, {
      headers: [{ name: 'Warning', value: `304 voice-assistant "${answer.reason.replace(/"/g, "'")}"` }],
    });
    return host.end(call, 'rejected');
  }
  useNegotiatedMedia(host, call, answer.media, { ...ours, sdp: answer.sdp }, alloc);
  const dialog = await acceptWith(host, call, inc, answer.sdp);
  if (dialog) host.confirm(call);
}

/**
 * An offerless INVITE (RFC 3261 §13.2.1, RFC 3264 §5): our offer goes in the 2xx, the
 * same one `dial()` sends (plain, SDES or DTLS-SRTP per the account), and the answer comes
 * in the ACK. An ACK without a usable SDP answer ends the call with BYE (RFC 3261
 * §13.3.1.4).
 */
async function offerInTheAnswer(leg: Leg): Promise<void> {
  const { host, call, inc, account, alloc, local, ours } = leg;
  const offer = await createMediaOffer(host, call, account, alloc.rtp, local);
  if (call.ended) return;
  const dialog = await acceptWith(host, call, inc, offer.sdp);
  if (!dialog) return;
  const ack = await inc.ackBody;
  if (call.ended) return;
  const ctype = ack.contentType?.split(';')[0]?.trim().toLowerCase();
  const answer =
    ack.body && ack.body.length > 0 && ctype === 'application/sdp'
      ? offer.complete(ack.body.toString('utf8'))
      : ({ ok: false, status: 488, reason: 'the ACK carries no SDP answer' } as const);
  if (!answer.ok) {
    call.log.warn({ reason: answer.reason }, 'no usable SDP answer in the ACK: hanging up');
    call.secure?.close();
    return host.hangup(call, 'failed');
  }
  useNegotiatedMedia(host, call, answer.media, { ...ours, sdp: offer.sdp }, alloc);
  host.confirm(call);
}

/**
 * Rings for `answer_delay_ms` (180), then answers with `sdp` and waits for the ACK.
 * Resolves the confirmed dialog, or undefined when the call ended meanwhile (ended here).
 */
async function acceptWith(
  host: CallHost,
  call: Call,
  inc: IncomingCall,
  sdp: string,
): Promise<Dialog | undefined> {
  const cfg = host.deps.config();
  if (cfg.sip.answerDelayMs > 0) {
    inc.progress(180);
    await new Promise((r) => setTimeout(r, cfg.sip.answerDelayMs));
    if (call.ended) return undefined; // CANCEL while ringing: the stack answered 487
  }
  call.state = 'answering';
  let dialog: Dialog;
  try {
    dialog = await inc.accept({ body: Buffer.from(sdp), contentType: 'application/sdp' });
  } catch (err) {
    call.log.warn({ err }, 'call not confirmed (no ACK)');
    host.end(call, 'ack-timeout');
    return undefined;
  }
  if (call.ended) return undefined;
  call.dialog = dialog;
  if (dialog.state === 'terminated') {
    host.end(call, 'remote-bye');
    return undefined;
  }
  return dialog;
}

/**
 * RFC 3891 §3: BYE the dialog an INVITE with Replaces named, once the new call is up; the
 * call that owned it ends with reason `replaced`. The new leg runs a fresh app.
 */
async function endReplaced(host: CallHost, replaced: Dialog, by: Call): Promise<void> {
  const old = [...host.calls.values()].find((c) => c.dialog === replaced);
  by.log.info(
    { replaced: old?.id, callId: replaced.callId },
    'INVITE with Replaces: ending the replaced dialog',
  );
  if (old) return host.hangup(old, 'replaced');
  if (replaced.state !== 'terminated') await replaced.bye().catch(() => undefined);
}
