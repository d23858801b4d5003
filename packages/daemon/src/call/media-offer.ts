/**
 * Our SDP offer (RFC 3264 §5) and how to apply the answer (§6/§7), for the two places
 * where we offer: outbound INVITEs (`outbound.ts`) and the 2xx to an offerless INVITE
 * (`inbound.ts`, answer in the ACK, RFC 3261 §13.2.1).
 *
 * A `media_encryption: dtls-srtp` account offers WebRTC-style media with rtp's
 * `createSecureOffer`: `UDP/TLS/RTP/SAVPF`, our fingerprint, `a=setup:actpass`
 * (RFC 5763 §5), ICE-lite credentials (RFC 8445 §2.5), rtcp-mux, and the candidates the
 * answer path gathers too: host plus server-reflexive (`SIP_STUN_SERVER`), or the TURN
 * relay alone (`SIP_TURN_SERVER`, RFC 8656), whose allocation is released when the call
 * ends, answered or not. Every other account offers RTP/AVP or SDES (`RTP/SAVP` with
 * a=crypto) per its policy.
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
import { iceServers, logGatheringProblems } from './secure-media.js';

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
  const offer = await createSecureOffer(socket, local, {
    certificate: await host.dtlsCertificate(),
    ...(await iceServers(host.deps.config(), call)),
  });
  logGatheringProblems(call, offer.problems);
  // The TURN allocation lives as long as the call (RFC 8656 §7.3: released with LIFETIME 0).
  if (call.ended) offer.close();
  else {
    const release = call.releasePorts;
    call.releasePorts = () => {
      offer.close();
      release?.();
    };
  }
  return {
    sdp: offer.offerSdp,
    complete: (answerSdp) => {
      const r = offer.complete(answerSdp);
      if (!r.ok) return r;
      call.secure = {
        transport: r.transport,
        ready: r.ready,
        close: r.close,
        answerOptions: offer.answerOptions,
        ice: r.ice,
      };
      return { ok: true, sdp: offer.offerSdp, media: r.media };
    },
  };
}
