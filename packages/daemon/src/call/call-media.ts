import {
  answerOffer,
  createCodec,
  generateIceCredentials,
  RtpSession,
  type DatagramSocket,
  type LocalMediaOptions,
  type NegotiatedMedia,
} from '@voice-assistant/rtp';
import type { ReinviteResponder, SipRequest } from '@voice-assistant/sip-stack';
import type { AccountConfig, DaemonConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Call } from './call.js';

/** The call's media sockets: plain dgram sockets, or the DTLS-SRTP transport (rtcp-mux). */
export type RtpSockets = { rtp: DatagramSocket; rtcp?: DatagramSocket | undefined };

/** The SDP without its o= line, to tell whether our description changed (RFC 3264 §8). */
export function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=.*$/m, '');
}

/**
 * Our side of an offer or answer for `account`: codecs in its preference order (or the given
 * order), RFC 4733 events, its SRTP policy, and a stable o= session id (RFC 3264 §5).
 */
export function localMediaOptions(
  account: AccountConfig | undefined,
  local: { address: string; port: number; sessionId: string; version: number },
  codecs: readonly string[] = account?.codecs ?? ['PCMU', 'PCMA'],
): LocalMediaOptions {
  return {
    address: local.address,
    port: local.port,
    codecs: [...new Set(codecs)],
    dtmf: true,
    srtp: account?.srtp ?? 'optional',
    sessionId: local.sessionId,
    sessionVersion: local.version,
    username: 'voice-assistant',
  };
}

/** The media clock runs in 10 ms steps: round the negotiated ptime to a multiple of 10 (10..60 ms). */
export function clampPtime(ptimeMs: number): number {
  return Math.min(60, Math.max(10, Math.round(ptimeMs / 10) * 10));
}

/** Creates the RTP session for negotiated media on the call's sockets. */
export function createSession(
  media: NegotiatedMedia,
  sockets: RtpSockets,
  cfg: DaemonConfig,
  log: Logger,
): RtpSession {
  const ptimeMs = clampPtime(media.ptimeMs);
  const codec = createCodec({ ...media.codec, fmtp: media.fmtp, frameMs: ptimeMs });
  const session = new RtpSession({
    sockets,
    remote: { address: media.remoteAddress, port: media.remotePort, rtcpPort: media.remoteRtcpPort },
    payloadType: media.payloadType,
    codec: { ...codec, info: media.codec },
    dtmfPayloadType: media.dtmfPayloadType,
    ptimeMs,
    rtcpMux: media.rtcpMux,
    srtp: media.crypto
      ? {
          suite: media.crypto.suite,
          localKey: Buffer.from(media.crypto.localKeyBase64, 'base64'),
          remoteKey: Buffer.from(media.crypto.remoteKeyBase64, 'base64'),
        }
      : undefined,
    // DTLS-SRTP: keys from the handshake (awaitDtls -> setSrtp); nothing in the clear before.
    srtpPending: media.dtls !== undefined,
    mediaTimeoutMs: cfg.rtp.mediaTimeoutMs,
  });
  session.setDirection(media.direction);
  log.debug(
    {
      codec: media.codec.name,
      pt: media.payloadType,
      ptimeMs,
      remote: `${media.remoteAddress}:${media.remotePort}`,
    },
    'media negotiated',
  );
  return session;
}

/**
 * A re-INVITE or UPDATE inside the call (RFC 3311, RFC 3264 §8): hold/resume, a new
 * remote address, a codec change, or a session refresh (RFC 4028). A rejected offer
 * (488) leaves the session as it was. `rebuild` swaps in a new RTP session when the codec
 * or the SRTP keys change.
 */
export function handleReoffer(
  call: Call,
  account: AccountConfig | undefined,
  req: SipRequest,
  respond: ReinviteResponder,
  rebuild: (media: NegotiatedMedia) => void,
): void {
  const local = call.local;
  if (!local || !call.session || !call.media) return respond(500);
  if (req.body.length === 0) {
    // UPDATE without a body is a refresh; an offerless re-INVITE gets our offer in the 200.
    if (req.method === 'UPDATE') return respond(200);
    return respond(200, { body: Buffer.from(local.sdp), contentType: 'application/sdp' });
  }
  // Keep the current codec first so a re-offer does not switch codecs needlessly.
  const codecs = [call.media.codec.name, ...(account?.codecs ?? ['PCMU', 'PCMA'])];
  const offer = req.body.toString('utf8');
  // A DTLS-SRTP call keeps its fingerprint, setup role and ICE credentials (RFC 8842 §5.5).
  let opts: LocalMediaOptions = {
    ...localMediaOptions(account, local, codecs),
    ...(call.secure?.answerOptions ?? {}),
  };
  let answer = answerOffer(offer, opts);
  if (!answer.ok) {
    call.log.info({ reason: answer.reason }, 're-INVITE offer rejected, keeping the current media');
    return respond(answer.status === 400 ? 400 : 488);
  }
  // RFC 8445 §9 / RFC 8839 §4.4.1.1.1: new remote ICE credentials are an ICE restart; the
  // answerer restarts too, with credentials of its own.
  const restarted = iceRestart(call, answer.media, opts);
  if (restarted) {
    opts = restarted;
    answer = answerOffer(offer, opts);
    if (!answer.ok) return respond(488);
  }
  // RFC 3264 §8: the o= version goes up by one exactly when our description changes.
  if (withoutOrigin(answer.sdp) !== withoutOrigin(local.sdp)) {
    answer = answerOffer(offer, { ...opts, sessionVersion: local.version + 1 });
    if (!answer.ok) return respond(488);
    local.version++;
  }
  local.sdp = answer.sdp;
  if (restarted && call.secure) {
    const ice = answer.media.ice;
    call.secure.answerOptions = { ...call.secure.answerOptions, ice: restarted.ice };
    if (ice)
      call.secure.ice?.restart({
        localUfrag: ice.localUfrag,
        localPwd: ice.localPwd,
        remoteUfrag: ice.remoteUfrag,
      });
    call.log.info({ remoteUfrag: ice?.remoteUfrag }, 'ICE restart: new credentials answered');
  }
  applyMedia(call, answer.media, rebuild);
  respond(200, { body: Buffer.from(answer.sdp), contentType: 'application/sdp' });
}

/**
 * The options to answer an ICE restart with (new ufrag/pwd of ours, same candidates), or
 * undefined when the re-offer keeps the peer's ICE credentials (no restart).
 */
function iceRestart(
  call: Call,
  media: NegotiatedMedia,
  opts: LocalMediaOptions,
): LocalMediaOptions | undefined {
  const before = call.media?.ice;
  const now = media.ice;
  if (!before || !now || !opts.ice) return undefined;
  if (now.remoteUfrag === before.remoteUfrag && now.remotePwd === before.remotePwd) return undefined;
  const fresh = generateIceCredentials();
  return { ...opts, ice: { ...opts.ice, ufrag: fresh.ufrag, pwd: fresh.pwd } };
}

/** Moves the RTP session to newly negotiated media: same ports, maybe a new codec or keys. */
function applyMedia(call: Call, media: NegotiatedMedia, rebuild: (media: NegotiatedMedia) => void): void {
  const old = call.media;
  const session = call.session;
  if (!old || !session) return;
  call.media = media;
  const remote = { address: media.remoteAddress, port: media.remotePort, rtcpPort: media.remoteRtcpPort };
  if (
    media.payloadType !== old.payloadType ||
    media.codec.name !== old.codec.name ||
    media.crypto?.remoteKeyBase64 !== old.crypto?.remoteKeyBase64
  ) {
    rebuild(media);
  } else {
    const cur = session.remoteAddress;
    if (cur.address !== remote.address || cur.port !== remote.port) session.setRemote(remote);
    session.setDirection(media.direction);
  }
  call.log.info(
    {
      direction: media.direction,
      hold: media.hold,
      remote: `${remote.address}:${remote.port}`,
      codec: media.codec.name,
    },
    media.hold ? 'call put on hold by the remote party' : 'call media updated',
  );
}
