/**
 * DTLS-SRTP media for `media_encryption: dtls-srtp` accounts (RFC 5763/5764, ICE-lite per
 * RFC 8445 §2.5, rtcp-mux per RFC 5761): the answer path through rtp's
 * `prepareSecureMedia`, the keys installed when the handshake completes, and the STUN/TURN
 * servers both the answer and the offer path (`media-offer.ts`) gather candidates from.
 */
import { readFile } from 'node:fs/promises';
import {
  prepareSecureMedia,
  type AnswerResult,
  type DatagramSocket,
  type IceServerOptions,
  type LocalMediaOptions,
} from '@voice-assistant/rtp';
import type { DaemonConfig } from '../config/index.js';
import type { Call } from './call.js';
import type { RtpSockets } from './call-media.js';
import type { CallHost } from './call-host.js';

/**
 * The candidate-gathering servers of the configuration: `SIP_STUN_SERVER` (srflx) and
 * `SIP_TURN_SERVER` with its long-term credentials (relay, RFC 8656). A `turns:` server
 * (TURN over TLS, RFC 7065 §3.1 / RFC 8656 §3.1) is verified like the other TLS peers:
 * against `sip.tls.ca_file` (`SIP_TLS_CA_FILE`, so a self-signed TURN server can be
 * trusted) when set, else Node's roots, unless `sip.tls.verify_server` is false. An
 * unreadable CA file is logged and leaves Node's roots (TURN then fails and the call
 * falls back to host candidates).
 */
export async function iceServers(cfg: DaemonConfig, call: Call): Promise<IceServerOptions> {
  const { stunServer, turnServer, turnUsername, turnPassword, tls } = cfg.sip;
  if (turnServer === undefined) return { stunServer };
  let ca: Buffer | undefined;
  if (/^turns:/i.test(turnServer) && tls.caFile !== undefined) {
    ca = await readFile(tls.caFile).catch((err: unknown) => {
      call.log.warn(
        { err, caFile: tls.caFile },
        'sip.tls.ca_file unreadable: TURN over TLS uses the system CAs',
      );
      return undefined;
    });
  }
  return {
    stunServer,
    turn: {
      uri: turnServer,
      username: turnUsername ?? '',
      password: turnPassword ?? '',
      ca,
      rejectUnauthorized: tls.verifyServer,
    },
  };
}

/** Logs what candidate gathering could not do (the call goes on with what it got). */
export function logGatheringProblems(call: Call, problems: readonly string[]): void {
  for (const problem of problems) call.log.warn({ problem }, 'ICE candidate gathering');
}

/**
 * Answers a DTLS-SRTP offer with ICE-lite on `socket` (rtcp-mux), gathering srflx/relay
 * candidates from `SIP_STUN_SERVER`/`SIP_TURN_SERVER` ({@link iceServers}). On success the
 * secure media is stored in `call.secure`; gathering problems are logged.
 */
export async function answerSecureOffer(
  host: CallHost,
  call: Call,
  offerText: string,
  socket: DatagramSocket,
  local: LocalMediaOptions,
  cfg: DaemonConfig,
): Promise<AnswerResult> {
  const r = await prepareSecureMedia(offerText, socket, {
    local,
    ...(await iceServers(cfg, call)),
    certificate: await host.dtlsCertificate(),
  });
  if (!r.ok) return r;
  call.secure = r;
  logGatheringProblems(call, r.problems);
  return { ok: true, sdp: r.answerSdp, media: r.media };
}

/** The sockets RTP runs on: the DTLS-SRTP transport when the call is secured that way. */
export function mediaSockets(call: Call): RtpSockets {
  if (call.secure) return { rtp: call.secure.transport };
  return call.sockets as RtpSockets;
}

/** Installs the DTLS-SRTP keys when the handshake completes; ends the call if it fails. */
export function awaitDtls(host: CallHost, call: Call, secure: NonNullable<Call['secure']>): void {
  const release = call.releasePorts;
  call.releasePorts = () => {
    secure.close();
    release?.();
  };
  secure.ready.then(
    (keys) => {
      call.srtpKeys = keys;
      call.session?.setSrtp(keys); // synchronously: no RTP passes before this
      call.log.info({ suite: keys.suite }, 'DTLS-SRTP established');
    },
    (err: unknown) => {
      call.log.warn({ err }, 'DTLS-SRTP handshake failed: hanging up');
      host.deps.metrics.errorsTotal.inc({ error_type: 'dtls', account: call.account });
      void host.hangup(call, 'failed');
    },
  );
}
