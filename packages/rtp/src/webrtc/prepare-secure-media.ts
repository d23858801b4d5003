/**
 * One call to answer a WebRTC-style offer (RFC 8829 profile as used by SIP phones:
 * `UDP/TLS/RTP/SAVPF`, ICE, DTLS-SRTP, rtcp-mux): build the SDP answer, attach the
 * RFC 7983 demultiplexer to the media socket, answer ICE checks (ICE-lite) and run the
 * DTLS handshake, resolving with the SRTP keys for `RtpSession`.
 */
import { answerOffer } from '../sdp/sdp-answer.js';
import type { IceCandidate, LocalMediaOptions, NegotiatedMedia } from '../sdp/types.js';
import type { DatagramSocket } from '../session/session-types.js';
import { type DtlsCertificate, DtlsTransport, createDtlsCertificate } from './dtls-transport.js';
import type { DtlsSrtpKeys } from './dtls-srtp-keys.js';
import { IceLiteAgent, generateIceCredentials, localCandidate } from './ice-lite.js';
import { type IceServerOptions, gatherMediaPath, permitPeers } from './media-path.js';
import { SecureMediaTransport } from './secure-media-transport.js';
import type { TurnClient } from './turn-client.js';

/**
 * Options of {@link prepareSecureMedia}. `stunServer` / `turn` ({@link IceServerOptions})
 * gather srflx and relay candidates on `socket`; with a TURN allocation ALL media goes
 * through it (relay-only), released by `close`, and a TURN failure falls back to host (+srflx).
 */
export interface SecureMediaOptions extends IceServerOptions {
  /** The usual answer options (address/port = the socket's; codecs, ptime...). `dtls`/`ice` are filled in. */
  readonly local: Omit<LocalMediaOptions, 'dtls' | 'ice'>;
  /** Reuse a certificate (creating one takes ~50 ms). Default: a fresh self-signed ECDSA P-256. */
  readonly certificate?: DtlsCertificate;
  /** Extra candidates to advertise (e.g. a TURN relay); our host candidate is always first. */
  readonly extraCandidates?: readonly IceCandidate[];
  /** DTLS handshake timeout. Default 15000 ms. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Media goes through this TURN allocation (RFC 8656): `socket` must then be its
   * `relayedSocket` and `local.address/port` its relayed address. Permissions are created
   * for the remote's candidate and `c=` addresses before the answer is returned.
   */
  readonly relay?: { createPermission(peerAddress: string): Promise<void> };
  /** Advertise no host candidate: only `extraCandidates` (or a relay candidate when `relay` is given). Default false. */
  readonly relayOnly?: boolean;
}

/** What the caller wires into the call. */
export type SecureMediaResult =
  | {
      readonly ok: true;
      /** SDP answer to put in the 200 OK. */
      readonly answerSdp: string;
      readonly media: NegotiatedMedia;
      /** Give this to `RtpSession` as `sockets.rtp` with `rtcpMux: media.rtcpMux`. */
      readonly transport: SecureMediaTransport;
      /**
       * SRTP keys once DTLS completes (the transport then lets RTP through). Call
       * `RtpSession.setSrtp(keys)` synchronously in the `then` (before any timer runs), or
       * construct the session then. Rejects on handshake timeout or fingerprint mismatch.
       */
      readonly ready: Promise<DtlsSrtpKeys>;
      /**
       * The `dtls`/`ice` we answered with: pass them again (with `answerOffer`) to answer
       * re-INVITEs of this call, so fingerprint, setup role and ICE credentials stay the
       * same and the DTLS association is kept (RFC 8842 §5.5 / RFC 8839 §4.4).
       */
      readonly answerOptions: Pick<LocalMediaOptions, 'dtls' | 'ice'>;
      /** The ICE-lite agent when ICE was negotiated (its `nominated` pair). */
      readonly ice: IceLiteAgent | undefined;
      /** The TURN allocation media runs through (relay-only), when `turn` succeeded or `relay` was given. */
      readonly relay: TurnClient | undefined;
      /** Candidate gathering problems (STUN/TURN servers unreachable...), for the log. */
      readonly problems: readonly string[];
      /** Detach, stop DTLS and release the TURN allocation we made. */
      readonly close: () => void;
    }
  | { readonly ok: false; readonly status: 488 | 400; readonly reason: string };

/**
 * Answer `offerSdp` with DTLS-SRTP and ICE-lite over `socket`. Offers that are not
 * `UDP/TLS/RTP/SAVP(F)` yield `{ok:false, status:488}`: callers use `answerOffer` for
 * plain RTP/AVP and SDES. Never throws on hostile SDP.
 */
export async function prepareSecureMedia(
  offerSdp: string,
  socket: DatagramSocket,
  opts: SecureMediaOptions,
): Promise<SecureMediaResult> {
  const path = await gatherMediaPath(socket, { address: opts.local.address, port: opts.local.port }, opts);
  const r = path.relay
    ? await prepareOn(
        offerSdp,
        path.socket,
        { ...opts, local: { ...opts.local, ...path.address }, relay: path.relay },
        path.problems,
        path.relay,
      )
    : await prepareOn(
        offerSdp,
        socket,
        { ...opts, extraCandidates: [...(opts.extraCandidates ?? []), ...path.srflx] },
        path.problems,
        undefined,
      );
  if (!r.ok) path.relay?.close();
  return r;
}

async function prepareOn(
  offerSdp: string,
  socket: DatagramSocket,
  opts: SecureMediaOptions,
  problems: readonly string[],
  ownedRelay: TurnClient | undefined,
): Promise<SecureMediaResult> {
  const certificate = opts.certificate ?? (await createDtlsCertificate());
  const creds = generateIceCredentials();
  const own = localCandidate(opts.relay ? 'relay' : 'host', opts.local);
  const candidates = opts.relayOnly === true && !opts.relay ? [] : [own];
  const local: LocalMediaOptions = {
    ...opts.local,
    dtls: { fingerprint: certificate.fingerprint },
    ice: { ufrag: creds.ufrag, pwd: creds.pwd, candidates: [...candidates, ...(opts.extraCandidates ?? [])] },
  };
  const answer = answerOffer(offerSdp, local);
  if (!answer.ok) return answer;
  const media = answer.media;
  if (media.dtls === undefined) return { ok: false, status: 488, reason: 'offer is not DTLS-SRTP' };
  if (opts.relay) {
    try {
      await permitPeers(opts.relay, media); // RFC 8656 §9, before the answer goes out
    } catch (err) {
      return { ok: false, status: 488, reason: (err as Error).message };
    }
  }
  const started = startSecureMedia({
    socket,
    media: { ...media, dtls: media.dtls },
    certificate,
    localIce: creds,
    ...(opts.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: opts.handshakeTimeoutMs } : {}),
  });
  const { transport, ready, ice } = started;
  return {
    ok: true,
    answerSdp: answer.sdp,
    media,
    transport,
    ready,
    answerOptions: { dtls: local.dtls, ice: local.ice },
    ice,
    problems,
    relay: ownedRelay,
    close: () => {
      started.close();
      ownedRelay?.close();
    },
  };
}

/** What {@link startSecureMedia} needs: negotiated media with DTLS, our cert and ICE credentials. */
export interface StartSecureMediaOptions {
  readonly socket: DatagramSocket;
  readonly media: NegotiatedMedia & { readonly dtls: NonNullable<NegotiatedMedia['dtls']> };
  readonly certificate: DtlsCertificate;
  /** Our a=ice-ufrag/a=ice-pwd (used when `media.ice` is set). */
  readonly localIce: { readonly ufrag: string; readonly pwd: string };
  readonly handshakeTimeoutMs?: number;
  /**
   * The handshake starts once this resolves (the offerer's TURN permissions, RFC 8656 §9:
   * without them the relay drops the peer's packets); a rejection rejects `ready`.
   * Default: start at once.
   */
  readonly after?: Promise<void>;
}

/**
 * The media half shared by answers and offers: RFC 7983 demultiplexer on `socket`,
 * ICE-lite responder when ICE was negotiated, DTLS in the negotiated role; `ready`
 * resolves with the SRTP keys and opens RTP on the transport.
 */
export function startSecureMedia(o: StartSecureMediaOptions): {
  transport: SecureMediaTransport;
  ready: Promise<DtlsSrtpKeys>;
  ice: IceLiteAgent | undefined;
  close: () => void;
} {
  const { media } = o;
  const ice =
    media.ice === undefined
      ? undefined
      : new IceLiteAgent({
          localUfrag: o.localIce.ufrag,
          localPwd: o.localIce.pwd,
          remoteUfrag: media.ice.remoteUfrag,
        });
  const transport = new SecureMediaTransport({
    socket: o.socket,
    remote: { address: media.remoteAddress, port: media.remotePort },
    ...(ice ? { ice } : {}),
  });
  const dtls = new DtlsTransport({
    role: media.dtls.role,
    certificate: o.certificate,
    remoteFingerprint: media.dtls.remoteFingerprint,
    send: (d) => transport.sendDtls(d),
    ...(o.handshakeTimeoutMs !== undefined ? { timeoutMs: o.handshakeTimeoutMs } : {}),
  });
  transport.setDtlsHandler((d) => dtls.handleRecord(d));
  let closed = false;
  const handshake = (): Promise<DtlsSrtpKeys> =>
    dtls.start().then((keys) => {
      transport.openMedia();
      return keys;
    });
  const ready =
    o.after === undefined
      ? handshake()
      : o.after.then(() => (closed ? Promise.reject(new Error('secure media closed')) : handshake()));
  ready.catch(() => undefined); // the caller observes it; avoid an unhandled rejection meanwhile
  return {
    transport,
    ready,
    ice,
    close: () => {
      closed = true;
      dtls.close();
      transport.close();
    },
  };
}
