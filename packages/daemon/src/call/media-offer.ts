/**
 * Our SDP offer (RFC 3264 §5) and how to apply the answer (§6/§7), for the two places
 * where we offer: outbound INVITEs (`outbound.ts`) and the 2xx to an offerless INVITE
 * (`inbound.ts`, answer in the ACK, RFC 3261 §13.2.1).
 *
 * A `media_encryption: dtls-srtp` account offers WebRTC-style media with rtp's
 * `createSecureOffer`: `UDP/TLS/RTP/SAVPF`, our fingerprint, `a=setup:actpass`
 * (RFC 5763 §5), ICE-lite credentials with one host candidate (RFC 8445 §2.5), rtcp-mux.
 * Every other account offers RTP/AVP or SDES (`RTP/SAVP` with a=crypto) per its policy.
 */
import {
  applyAnswer,
  createOffer,
  createSecureOffer,
  type AnswerResult,
  type DatagramSocket,
  type LocalMediaOptions,
} from '@voice-assistant/rtp';
import type { AccountConfig } from '../config/index.js';
import type { Call } from './call.js';
import type { CallHost } from './call-host.js';

/** An offer we sent, waiting for its answer. */
export interface MediaOffer {
  /** The offer SDP. */
  readonly sdp: string;
  /**
   * Applies the answer. For a DTLS-SRTP offer this also starts ICE-lite and the DTLS
   * handshake in the role the answer's `a=setup` implies and sets `call.secure`. Never throws.
   */
  complete(answerSdp: string): AnswerResult;
}

/** Offers media for `call` on `socket` (bound at `local.address:local.port`). */
export async function createMediaOffer(
  host: CallHost,
  call: Call,
  account: AccountConfig,
  socket: DatagramSocket,
  local: LocalMediaOptions,
): Promise<MediaOffer> {
  if (account.mediaEncryption !== 'dtls-srtp') {
    const offer = createOffer(local);
    return { sdp: offer.sdp, complete: (answerSdp) => applyAnswer(offer.state, answerSdp) };
  }
  const certificate = await host.dtlsCertificate();
  const offer = await createSecureOffer(socket, local, certificate);
  return {
    sdp: offer.offerSdp,
    complete: (answerSdp) => {
      const r = offer.complete(answerSdp);
      if (!r.ok) return r;
      call.secure = {
        transport: r.transport,
        ready: r.ready,
        close: r.close,
        answerOptions: secureAnswerOptions(offer.offerSdp, certificate.fingerprint),
      };
      return { ok: true, sdp: offer.offerSdp, media: r.media };
    },
  };
}

/**
 * The fingerprint, ICE credentials and host candidate of our DTLS-SRTP offer, for answering
 * re-offers of the call with the same ones. rtp's `SecureOffer` does not return them, so
 * they are read back from the offer it wrote (`a=ice-ufrag`, `a=ice-pwd`, `a=candidate`,
 * RFC 8839 §5.1/§5.4).
 */
function secureAnswerOptions(
  offerSdp: string,
  fingerprint: NonNullable<LocalMediaOptions['dtls']>['fingerprint'],
): Pick<LocalMediaOptions, 'dtls' | 'ice'> {
  const ufrag = /^a=ice-ufrag:(\S+)/m.exec(offerSdp)?.[1];
  const pwd = /^a=ice-pwd:(\S+)/m.exec(offerSdp)?.[1];
  const c = /^a=candidate:(\S+) (\d+) (\S+) (\d+) (\S+) (\d+) typ host/m.exec(offerSdp);
  if (ufrag === undefined || pwd === undefined || !c) return { dtls: { fingerprint } };
  const [, foundation, component, transport, priority, address, port] = c as unknown as string[];
  const candidate = {
    foundation: foundation as string,
    component: Number(component),
    transport: transport as string,
    priority: Number(priority),
    address: address as string,
    port: Number(port),
    type: 'host' as const,
  };
  return { dtls: { fingerprint }, ice: { ufrag, pwd, candidates: [candidate] } };
}
