/**
 * DTLS-SRTP media for `media_encryption: dtls-srtp` accounts (RFC 5763/5764, ICE-lite per
 * RFC 8445 §2.5, rtcp-mux per RFC 5761): the answer path through rtp's
 * `prepareSecureMedia`, the keys installed when the handshake completes.
 */
import {
  prepareSecureMedia,
  type AnswerResult,
  type DatagramSocket,
  type LocalMediaOptions,
} from '@voice-assistant/rtp';
import type { DaemonConfig } from '../config/index.js';
import type { Call } from './call.js';
import type { RtpSockets } from './call-media.js';
import type { CallHost } from './call-host.js';

/**
 * Answers a DTLS-SRTP offer with ICE-lite on `socket` (rtcp-mux), gathering srflx/relay
 * candidates from `SIP_STUN_SERVER`/`SIP_TURN_SERVER`. On success the secure media is
 * stored in `call.secure`; gathering problems are logged.
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
    stunServer: cfg.sip.stunServer,
    turn: cfg.sip.turnServer
      ? {
          uri: cfg.sip.turnServer,
          username: cfg.sip.turnUsername ?? '',
          password: cfg.sip.turnPassword ?? '',
        }
      : undefined,
    certificate: await host.dtlsCertificate(),
  });
  if (!r.ok) return r;
  call.secure = r;
  for (const problem of r.problems) call.log.warn({ problem }, 'ICE candidate gathering');
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
