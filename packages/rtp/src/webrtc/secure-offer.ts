/**
 * The offering side of DTLS-SRTP (outbound calls on `media_encryption: dtls-srtp`
 * accounts): offer `UDP/TLS/RTP/SAVPF` with `a=setup:actpass` (RFC 5763 §5), our
 * fingerprint, ICE-lite credentials and a host candidate, rtcp-mux; when the answer
 * arrives, take the DTLS role it implies and start the handshake on `socket`.
 */
import { applyAnswer, createOffer } from '../sdp/sdp-offer.js';
import type { LocalMediaOptions, NegotiatedMedia } from '../sdp/types.js';
import type { DatagramSocket } from '../session/session-types.js';
import type { DtlsSrtpKeys } from './dtls-srtp-keys.js';
import { type DtlsCertificate, createDtlsCertificate } from './dtls-transport.js';
import { type IceLiteAgent, candidatePriority, generateIceCredentials } from './ice-lite.js';
import { startSecureMedia } from './prepare-secure-media.js';
import type { SecureMediaTransport } from './secure-media-transport.js';

/** Media ready to run once the answer was applied. */
export type SecureAnswerResult =
  | {
      readonly ok: true;
      readonly media: NegotiatedMedia;
      readonly transport: SecureMediaTransport;
      readonly ready: Promise<DtlsSrtpKeys>;
      readonly ice: IceLiteAgent | undefined;
      readonly close: () => void;
    }
  | { readonly ok: false; readonly status: 488 | 400; readonly reason: string };

/** A DTLS-SRTP offer and how to complete it. */
export interface SecureOffer {
  readonly offerSdp: string;
  /** Apply the remote answer (RFC 3264 §7) and start ICE-lite + DTLS on `socket`. Never throws. */
  readonly complete: (answerSdp: string) => SecureAnswerResult;
}

/**
 * Build a DTLS-SRTP offer for `socket` (bound at `local.address:local.port`).
 * @param certificate reuse one; default a fresh self-signed ECDSA P-256 certificate.
 */
export async function createSecureOffer(
  socket: DatagramSocket,
  local: Omit<LocalMediaOptions, 'dtls' | 'ice'>,
  certificate?: DtlsCertificate,
): Promise<SecureOffer> {
  const cert = certificate ?? (await createDtlsCertificate());
  const creds = generateIceCredentials();
  const { sdp, state } = createOffer({
    ...local,
    dtls: { fingerprint: cert.fingerprint },
    ice: {
      ufrag: creds.ufrag,
      pwd: creds.pwd,
      candidates: [
        {
          foundation: '1',
          component: 1,
          transport: 'udp',
          priority: candidatePriority('host'),
          address: local.address,
          port: local.port,
          type: 'host',
        },
      ],
    },
  });
  return {
    offerSdp: sdp,
    complete: (answerSdp) => {
      const r = applyAnswer(state, answerSdp);
      if (!r.ok) return r;
      const dtls = r.media.dtls;
      if (dtls === undefined) return { ok: false, status: 488, reason: 'answer is not DTLS-SRTP' };
      const started = startSecureMedia({
        socket,
        media: { ...r.media, dtls },
        certificate: cert,
        localIce: creds,
      });
      return { ok: true, media: r.media, ...started };
    },
  };
}
