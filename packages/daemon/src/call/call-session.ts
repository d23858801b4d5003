import type { NegotiatedMedia } from '@voice-assistant/rtp';
import type { Call } from './call.js';
import type { CallHost, PortAllocation } from './call-host.js';
import { createSession } from './call-media.js';
import { awaitDtls, mediaSockets } from './secure-media.js';

/** Our side of the call's SDP: the address/port we put in it, its o= identity and text. */
export interface LocalDescription {
  readonly address: string;
  readonly sessionId: string;
  readonly sdp: string;
}

/**
 * Offer/answer is done (RFC 3264): record the negotiated media and our description on the
 * call and create its RTP session on the allocated ports (on the DTLS-SRTP transport when
 * the call is secured that way; the keys are installed when the handshake completes).
 */
export function useNegotiatedMedia(
  host: CallHost,
  call: Call,
  media: NegotiatedMedia,
  local: LocalDescription,
  alloc: PortAllocation,
): void {
  call.media = media;
  call.local = {
    address: local.address,
    port: alloc.port,
    sessionId: local.sessionId,
    version: 1,
    sdp: local.sdp,
  };
  call.sockets = { rtp: alloc.rtp, rtcp: alloc.rtcp };
  call.session = createSession(media, mediaSockets(call), host.deps.config(), call.log);
  if (call.secure) awaitDtls(host, call, call.secure);
}
