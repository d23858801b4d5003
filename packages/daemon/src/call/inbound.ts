/**
 * The answer path (RFC 3261 §13.3): route an incoming INVITE to an account, refuse what we
 * cannot take, answer the SDP offer (plain, SDES or DTLS-SRTP) and wait for the ACK.
 */
import { answerOffer, offersDtlsSrtp, type AnswerResult } from '@voice-assistant/rtp';
import type { Dialog, IncomingCall, SipHeader } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import { createSession, localMediaOptions } from './call-media.js';
import type { CallHost } from './call-host.js';
import { endReasonOf } from './end-reason.js';
import { localAddressFor } from './local-address.js';
import { answerSecureOffer, awaitDtls, mediaSockets } from './secure-media.js';

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
  // An offerless INVITE (the offer would come in our 2xx, the answer in the ACK) is not
  // supported yet: refuse it with a reason rather than answer without media.
  if (inc.body.length === 0)
    return refuse(488, 'Not Acceptable Here', 'rejected', [
      { name: 'Warning', value: '399 voice-assistant "an SDP offer in the INVITE is required"' },
    ]);

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
  if (!alloc) {
    // RFC 3261 §21.5.4: temporarily unable to take the call; the caller may fail over.
    inc.reject(503, { reason: 'Service Unavailable', headers: [{ name: 'Retry-After', value: '5' }] });
    return host.end(call, 'rejected');
  }
  if (call.ended) return; // cancelled meanwhile
  const address = host.deps.publicAddress() ?? (await localAddressFor(inc.remote.address));
  const sessionId = host.nextSessionId();
  const offerText = inc.body.toString('utf8');
  const local = localMediaOptions(account, { address, port: alloc.port, sessionId, version: 1 });
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
  call.media = answer.media;
  call.local = { address, port: alloc.port, sessionId, version: 1, sdp: answer.sdp };
  call.sockets = { rtp: alloc.rtp, rtcp: alloc.rtcp };
  call.session = createSession(answer.media, mediaSockets(call), cfg, call.log);
  if (call.secure) awaitDtls(host, call, call.secure);
  if (cfg.sip.answerDelayMs > 0) {
    inc.progress(180);
    await new Promise((r) => setTimeout(r, cfg.sip.answerDelayMs));
    if (call.ended) return; // CANCEL while ringing: the stack answered 487
  }
  call.state = 'answering';
  let dialog: Dialog;
  try {
    dialog = await inc.accept({ body: Buffer.from(answer.sdp), contentType: 'application/sdp' });
  } catch (err) {
    call.log.warn({ err }, 'call not confirmed (no ACK)');
    return host.end(call, 'ack-timeout');
  }
  if (call.ended) return;
  call.dialog = dialog;
  if (dialog.state === 'terminated') return host.end(call, 'remote-bye');
  host.confirm(call);
}
