/**
 * Answering an SDP offer (RFC 3264 §6).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { CodecInfo } from '../codec/types.js';
import { formatMatches, listPayloadFormats, parseFmtp, pickTelephoneEvent } from './payload-format.js';
import type { PayloadFormat } from './payload-format.js';
import { formatSdesCrypto, generateSdesKey, pickSdesCrypto } from './sdes-crypto.js';
import { isRemoteHold, negotiateDirection } from './media-direction.js';
import { choosePtime, parseRemoteSdp, readRemoteTransport } from './remote-media.js';
import { buildAudioMedia, buildRejectedMedia, resolveLocalOptions, writeSession } from './sdp-writer.js';
import type { ResolvedLocalOptions, WrittenFormat } from './sdp-writer.js';
import {
  DTLS_PROFILES,
  readRemoteDtls,
  readRemoteIce,
  writeDtlsAttributes,
  writeIceAttributes,
} from './dtls-ice.js';
import type { AnswerResult, LocalMediaOptions, NegotiatedDtls, NegotiatedMedia } from './types.js';

/** Codec names this package can run (see codec-registry). */
const RUNNABLE = ['pcmu', 'pcma', 'g722', 'opus'];

/**
 * RTP profiles we speak; `UDP/TLS/RTP/SAVP(F)` (DTLS-SRTP, RFC 5764) only when
 * `local.dtls` is given. Anything else is unusable.
 */
const PLAIN_PROFILES = ['RTP/AVP', 'RTP/AVPF'];
const SECURE_PROFILES = ['RTP/SAVP', 'RTP/SAVPF'];

type Negotiation =
  | { readonly ok: true; readonly media: NegotiatedMedia; readonly line: MediaDescription }
  | { readonly ok: false; readonly status: 488 | 400; readonly reason: string };

/** Our fmtp for Opus (RFC 7587 §6.1): what we want to receive. */
export function localOpusFmtp(sampleRate: number): string {
  return `maxplaybackrate=${sampleRate};sprop-maxcapturerate=${sampleRate}`;
}

/** The CodecInfo for a negotiated format. */
export function codecInfoFor(format: PayloadFormat, opusSampleRate: number): CodecInfo {
  const name = format.name.toLowerCase();
  if (name === 'opus') return { name: 'opus', clockRate: 48000, channels: 2, sampleRate: opusSampleRate };
  // RFC 3551 §4.5.2: G.722 is 16 kHz audio on an 8000 Hz RTP clock.
  if (name === 'g722') return { name: 'G722', clockRate: 8000, channels: 1, sampleRate: 16000 };
  return { name: format.name.toUpperCase(), clockRate: format.clockRate, channels: 1, sampleRate: 8000 };
}

/** Pick the first codec in OUR preference order that the m-line offers (RFC 3264 §6.1). */
export function chooseCodec(
  formats: readonly PayloadFormat[],
  preference: readonly string[],
): PayloadFormat | undefined {
  for (const wanted of preference) {
    if (!RUNNABLE.includes(wanted.toLowerCase())) continue;
    const f = formats.find((x) => formatMatches(x, wanted));
    if (f !== undefined) return f;
  }
  return undefined;
}

function negotiateAudio(
  session: SessionDescription,
  offered: MediaDescription,
  local: ResolvedLocalOptions,
): Negotiation {
  const protocol = String(offered.protocol);
  const secure = SECURE_PROFILES.includes(protocol);
  const dtlsProfile = local.dtls !== undefined && DTLS_PROFILES.includes(protocol);
  if (!secure && !dtlsProfile && !PLAIN_PROFILES.includes(protocol)) {
    return { ok: false, status: 488, reason: `unsupported transport ${protocol}` };
  }
  let dtls: NegotiatedDtls | undefined;
  if (dtlsProfile) {
    const read = readRemoteDtls(session, offered);
    if (typeof read === 'string') return { ok: false, status: 488, reason: read };
    dtls = read;
  }
  // RFC 4568 §7.1.2: an SAVP offer must carry a crypto line we support.
  if (secure && local.srtp === 'off') return { ok: false, status: 488, reason: 'SRTP offered but disabled' };
  if (!secure && !dtlsProfile && local.srtp === 'mandatory')
    return { ok: false, status: 488, reason: 'SRTP required' };
  const remoteCrypto = secure ? pickSdesCrypto(offered.crypto) : undefined;
  if (secure && remoteCrypto === undefined)
    return { ok: false, status: 488, reason: 'no supported crypto suite' };

  const formats = listPayloadFormats(offered);
  const chosen = chooseCodec(formats, local.codecs);
  if (chosen === undefined) return { ok: false, status: 488, reason: 'no common codec' };
  const transport = readRemoteTransport(session, offered);
  if (typeof transport === 'string') return { ok: false, status: 400, reason: transport };

  const codec = codecInfoFor(chosen, local.opusSampleRate);
  const te = local.dtmf ? pickTelephoneEvent(formats, codec.clockRate) : undefined;
  const rtcpMux = transport.rtcpMuxOffered && local.rtcpMux !== false;
  const ptimeMs = choosePtime(codec.name, transport.ptimeMs, local.ptimeMs);
  const direction = negotiateDirection(transport.direction, local.direction);
  const localKey = remoteCrypto === undefined ? undefined : generateSdesKey(local.randomBytes);

  const written: WrittenFormat[] = [
    {
      payloadType: chosen.payloadType,
      name: codec.name,
      clockRate: codec.clockRate,
      channels: codec.channels,
      ...(codec.name === 'opus' ? { fmtp: localOpusFmtp(local.opusSampleRate) } : {}),
    },
  ];
  if (te !== undefined) {
    written.push({
      payloadType: te.payloadType,
      name: 'telephone-event',
      clockRate: te.clockRate,
      channels: 1,
      fmtp: '0-16',
    });
  }
  const line = buildAudioMedia({
    port: local.port,
    protocol,
    formats: written,
    ptimeMs,
    direction,
    rtcpMux,
    crypto:
      remoteCrypto === undefined || localKey === undefined
        ? []
        : [formatSdesCrypto(remoteCrypto.tag, remoteCrypto.suite, localKey)],
  });
  // RFC 5763 §5 / RFC 8842: our fingerprint and the setup role; RFC 8839 §5: ICE only when offered.
  if (dtls !== undefined && local.dtls !== undefined) writeDtlsAttributes(line, local.dtls, dtls.role);
  const ice = local.ice === undefined ? undefined : readRemoteIce(session, offered, local.ice);
  if (ice !== undefined && local.ice !== undefined) writeIceAttributes(line, local.ice);
  const media: NegotiatedMedia = {
    remoteAddress: transport.address,
    remotePort: transport.port,
    remoteRtcpPort: rtcpMux ? transport.port : transport.rtcpPort,
    rtcpMux,
    payloadType: chosen.payloadType,
    codec,
    fmtp: parseFmtp(chosen.fmtpConfig),
    ptimeMs,
    direction,
    hold: isRemoteHold(transport.direction),
  };
  if (te !== undefined) {
    media.dtmfPayloadType = te.payloadType;
    media.dtmfClockRate = te.clockRate;
  }
  if (remoteCrypto !== undefined && localKey !== undefined) {
    media.crypto = {
      suite: remoteCrypto.suite,
      localKeyBase64: localKey,
      remoteKeyBase64: remoteCrypto.keyBase64,
      tag: remoteCrypto.tag,
    };
  }
  if (dtls !== undefined) media.dtls = dtls;
  if (ice !== undefined) media.ice = ice;
  return { ok: true, media, line };
}

/**
 * Answer a remote offer (RFC 3264 §6). Accepts the first usable audio m-line with the
 * first codec in OUR preference order; every other m-line is rejected with port 0, and
 * the answer keeps the offer's m-line count and order (RFC 3264 §6).
 *
 * @returns `{ok:true, sdp, media}`, `{ok:false, status:400}` for malformed SDP, or
 *   `{ok:false, status:488}` when nothing is acceptable. Never throws.
 */
export function answerOffer(offerSdp: string, local: LocalMediaOptions): AnswerResult {
  try {
    return answerOfferUnsafe(offerSdp, local);
  } catch (err) {
    // Safety net: sdp-transform yields loosely typed values; never let hostile SDP throw.
    return { ok: false, status: 400, reason: `unprocessable SDP: ${String(err)}` };
  }
}

function answerOfferUnsafe(offerSdp: string, local: LocalMediaOptions): AnswerResult {
  const parsed = parseRemoteSdp(offerSdp);
  if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
  const opts = resolveLocalOptions(local, nodeRandomBytes);
  let accepted: NegotiatedMedia | undefined;
  let firstFailure: { status: 488 | 400; reason: string } | undefined;
  const lines: MediaDescription[] = [];
  for (const offered of parsed.session.media) {
    if (accepted === undefined && offered.type === 'audio' && Number(offered.port) !== 0) {
      const n = negotiateAudio(parsed.session, offered, opts);
      if (n.ok) {
        accepted = n.media;
        lines.push(n.line);
        continue;
      }
      firstFailure ??= { status: n.status, reason: n.reason };
    }
    lines.push(buildRejectedMedia(offered));
  }
  if (accepted === undefined) {
    return {
      ok: false,
      status: firstFailure?.status ?? 488,
      reason: firstFailure?.reason ?? 'no audio stream',
    };
  }
  // RFC 8839 §5.3: a lite implementation says so at session level.
  const lite = accepted.ice !== undefined && opts.ice?.lite !== false;
  const extra = lite ? { icelite: 'ice-lite' as const } : {};
  return { ok: true, sdp: writeSession(opts, lines, extra), media: accepted };
}
