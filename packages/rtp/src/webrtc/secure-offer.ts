/**
 * The offering side of DTLS-SRTP (outbound calls on `media_encryption: dtls-srtp`
 * accounts): offer `UDP/TLS/RTP/SAVPF` with `a=setup:actpass` (RFC 5763 §5), our
 * fingerprint, ICE-lite credentials and our candidates, rtcp-mux; when the answer
 * arrives, take the DTLS role it implies and start the handshake on the media path.
 *
 * Candidates are gathered as on the answering side ({@link gatherMediaPath}): the host
 * candidate plus a server-reflexive one (STUN), or, when a TURN allocation succeeds, the
 * relayed candidate alone, with `c=` and the m-line port on the relayed address (RFC 8656).
 */
import { applyAnswer, createOffer } from '../sdp/sdp-offer.js';
import type { LocalMediaOptions, NegotiatedMedia } from '../sdp/types.js';
import type { DatagramSocket } from '../session/session-types.js';
import type { DtlsSrtpKeys } from './dtls-srtp-keys.js';
import { type DtlsCertificate, createDtlsCertificate } from './dtls-transport.js';
import { type IceLiteAgent, generateIceCredentials, localCandidate } from './ice-lite.js';
import { type IceServerOptions, gatherMediaPath, permitPeers } from './media-path.js';
import { startSecureMedia } from './prepare-secure-media.js';
import type { SecureMediaTransport } from './secure-media-transport.js';
import type { TurnClient } from './turn-client.js';

/** Media ready to run once the answer was applied. */
export type SecureAnswerResult =
  | {
      readonly ok: true;
      readonly media: NegotiatedMedia;
      readonly transport: SecureMediaTransport;
      /**
       * The SRTP keys once DTLS completes. Through a relay the handshake starts once the
       * TURN permissions for the answerer exist (RFC 8656 §9); a refused permission rejects it.
       */
      readonly ready: Promise<DtlsSrtpKeys>;
      readonly ice: IceLiteAgent | undefined;
      /** Stop DTLS, detach from the socket and release the TURN allocation of the offer. Idempotent. */
      readonly close: () => void;
    }
  | { readonly ok: false; readonly status: 488 | 400; readonly reason: string };

/**
 * Options of {@link createSecureOffer}: the STUN/TURN servers to gather from
 * ({@link IceServerOptions}, as `prepareSecureMedia` takes them), and the certificate.
 */
export interface SecureOfferOptions extends IceServerOptions {
  /** Reuse a certificate (creating one takes ~50 ms). Default: a fresh self-signed ECDSA P-256. */
  readonly certificate?: DtlsCertificate | undefined;
  /** DTLS handshake timeout. Default 15000 ms. */
  readonly handshakeTimeoutMs?: number;
}

/** A DTLS-SRTP offer and how to complete it. */
export interface SecureOffer {
  readonly offerSdp: string;
  /**
   * The `dtls`/`ice` we offered with (fingerprint, ICE credentials, candidates): pass them
   * with `answerOffer` to answer re-offers of the call, so they stay the same (RFC 8842 §5.5,
   * RFC 8839 §4.4). Their first candidate gives `c=` and the port (the relay's, if any).
   */
  readonly answerOptions: Pick<LocalMediaOptions, 'dtls' | 'ice'>;
  /** The TURN allocation the offer's media runs through, when `turn` succeeded. */
  readonly relay: TurnClient | undefined;
  /** Candidate gathering problems (STUN/TURN servers unreachable...), for the log. */
  readonly problems: readonly string[];
  /** Apply the remote answer (RFC 3264 §7) and start ICE-lite + DTLS on the media path. Never throws. */
  readonly complete: (answerSdp: string) => SecureAnswerResult;
  /**
   * Release what the offer holds: the TURN allocation (Refresh with LIFETIME 0, RFC 8656
   * §7.3) and the media `complete` started. For calls that end with or without an answer. Idempotent.
   */
  readonly close: () => void;
}

/**
 * Build a DTLS-SRTP offer for `socket` (bound at `local.address:local.port`), gathering
 * srflx/relay candidates per `opts`. Never rejects on a STUN/TURN failure: the offer then
 * carries the host candidate and the failure is in `problems`.
 */
export async function createSecureOffer(
  socket: DatagramSocket,
  local: Omit<LocalMediaOptions, 'dtls' | 'ice'>,
  opts: SecureOfferOptions = {},
): Promise<SecureOffer> {
  const cert = opts.certificate ?? (await createDtlsCertificate());
  const path = await gatherMediaPath(socket, { address: local.address, port: local.port }, opts);
  const creds = generateIceCredentials();
  const answerOptions: Pick<LocalMediaOptions, 'dtls' | 'ice'> = {
    dtls: { fingerprint: cert.fingerprint },
    ice: {
      ufrag: creds.ufrag,
      pwd: creds.pwd,
      candidates: path.relay
        ? [localCandidate('relay', path.address)]
        : [localCandidate('host', path.address), ...path.srflx],
    },
  };
  const { sdp, state } = createOffer({ ...local, ...path.address, ...answerOptions });
  let stop: (() => void) | undefined;
  const close = (): void => {
    stop?.();
    path.relay?.close();
  };
  return {
    offerSdp: sdp,
    answerOptions,
    relay: path.relay,
    problems: path.problems,
    close,
    complete: (answerSdp) => {
      const r = applyAnswer(state, answerSdp);
      if (!r.ok) return r;
      const dtls = r.media.dtls;
      if (dtls === undefined) return { ok: false, status: 488, reason: 'answer is not DTLS-SRTP' };
      const started = startSecureMedia({
        socket: path.socket,
        media: { ...r.media, dtls },
        certificate: cert,
        localIce: creds,
        ...(opts.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}),
        // RFC 8656 §9: permissions for the answerer before our DTLS and media cross the relay.
        ...(path.relay ? { after: permitPeers(path.relay, r.media) } : {}),
      });
      stop = started.close;
      return {
        ok: true,
        media: r.media,
        transport: started.transport,
        ready: started.ready,
        ice: started.ice,
        close,
      };
    },
  };
}
