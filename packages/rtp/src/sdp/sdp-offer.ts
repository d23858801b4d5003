/**
 * Making an SDP offer and applying the answer (RFC 3264 §5 and §7), for outbound calls
 * and re-INVITEs (hold/resume).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import {
  CANONICAL_NAMES,
  OFFER_FORMATS,
  formatMatches,
  listPayloadFormats,
  parseFmtp,
} from './payload-format.js';
import type { PayloadFormat } from './payload-format.js';
import { SUPPORTED_SRTP_SUITES, formatSdesCrypto, generateSdesKey, parseSdesCrypto } from './sdes-crypto.js';
import { isRemoteHold, negotiateDirection } from './media-direction.js';
import { choosePtime, parseRemoteSdp, readRemoteTransport } from './remote-media.js';
import { buildAudioMedia, resolveLocalOptions, writeSession } from './sdp-writer.js';
import type { WrittenFormat } from './sdp-writer.js';
import { codecInfoFor, localOpusFmtp } from './sdp-answer.js';
import { readAnswerDtls, readRemoteIce, writeIceAttributes, writeOfferDtlsAttributes } from './dtls-ice.js';
import type { AnswerResult, LocalMediaOptions, NegotiatedMedia, OfferState } from './types.js';

/** telephone-event payload types we offer (common defaults: 101 at 8 kHz, 110 at 48 kHz). */
const TE_PT_8000 = 101;
const TE_PT_48000 = 110;

/**
 * Create an offer with one audio m-line listing `local.codecs` (runnable ones) in order,
 * plus telephone-event at each clock rate in use (RFC 4733 §7.1.1).
 * `srtp: 'mandatory'` offers RTP/SAVP with one a=crypto per supported suite; `optional`
 * and `off` offer RTP/AVP. a=rtcp-mux is offered only when `rtcpMux: true`.
 * With `local.dtls` the offer is `UDP/TLS/RTP/SAVPF` with our fingerprint, `a=setup:actpass`
 * (RFC 5763 §5), a=rtcp-mux and no a=crypto; `local.ice` adds ICE credentials/candidates
 * and session-level `a=ice-lite` (RFC 8839).
 */
export function createOffer(local: LocalMediaOptions): { sdp: string; state: OfferState } {
  const opts = resolveLocalOptions(local, nodeRandomBytes);
  const formats: WrittenFormat[] = [];
  for (const name of opts.codecs) {
    const canonical = CANONICAL_NAMES[name.toLowerCase()];
    const f = canonical === undefined ? undefined : OFFER_FORMATS[canonical];
    if (canonical === undefined || f === undefined) continue;
    if (formats.some((x) => x.name === canonical)) continue;
    formats.push({
      name: canonical,
      ...f,
      ...(canonical === 'opus' ? { fmtp: localOpusFmtp(opts.opusSampleRate) } : {}),
    });
  }
  if (opts.dtmf) {
    if (formats.some((f) => f.clockRate === 48000)) {
      formats.push({
        payloadType: TE_PT_48000,
        name: 'telephone-event',
        clockRate: 48000,
        channels: 1,
        fmtp: '0-16',
      });
    }
    if (formats.some((f) => f.clockRate === 8000)) {
      formats.push({
        payloadType: TE_PT_8000,
        name: 'telephone-event',
        clockRate: 8000,
        channels: 1,
        fmtp: '0-16',
      });
    }
  }
  const dtls = opts.dtls !== undefined;
  const secure = !dtls && opts.srtp === 'mandatory';
  const crypto = secure
    ? SUPPORTED_SRTP_SUITES.map((suite, i) => ({
        tag: i + 1,
        suite,
        keyBase64: generateSdesKey(opts.randomBytes),
      }))
    : [];
  const protocol = dtls ? 'UDP/TLS/RTP/SAVPF' : secure ? 'RTP/SAVP' : 'RTP/AVP';
  const line = buildAudioMedia({
    port: opts.port,
    protocol,
    formats,
    ptimeMs: opts.ptimeMs,
    direction: opts.direction,
    rtcpMux: opts.rtcpMux === true || dtls,
    crypto: crypto.map((c) => formatSdesCrypto(c.tag, c.suite, c.keyBase64)),
  });
  if (opts.dtls !== undefined) writeOfferDtlsAttributes(line, opts.dtls);
  if (opts.ice !== undefined) writeIceAttributes(line, opts.ice);
  const lite = opts.ice !== undefined && opts.ice.lite !== false;
  const sdp = writeSession(opts, [line], lite ? { icelite: 'ice-lite' } : {});
  const state: OfferState = {
    sdp,
    local: Object.freeze({ ...local, sessionId: opts.sessionId, sessionVersion: opts.sessionVersion }),
    formats: formats.map(({ payloadType, name, clockRate, channels }) => ({
      payloadType,
      name,
      clockRate,
      channels,
    })),
    crypto,
    protocol,
  };
  return { sdp, state };
}

function offeredMatch(state: OfferState, f: PayloadFormat): boolean {
  return state.formats.some((o) => formatMatches(f, o.name) && o.clockRate === f.clockRate);
}

/**
 * Apply the remote answer to our offer (RFC 3264 §7). The answer's first format that we
 * offered becomes the codec; telephone-event likewise.
 * @returns on success `sdp` is our offer (the local description now in effect). 400 for a
 *   malformed answer; 488 when the answer rejected audio or is incompatible. Never throws.
 */
export function applyAnswer(state: OfferState, answerSdp: string): AnswerResult {
  try {
    return applyAnswerUnsafe(state, answerSdp);
  } catch (err) {
    // Safety net: sdp-transform yields loosely typed values; never let hostile SDP throw.
    return { ok: false, status: 400, reason: `unprocessable SDP: ${String(err)}` };
  }
}

function applyAnswerUnsafe(state: OfferState, answerSdp: string): AnswerResult {
  const parsed = parseRemoteSdp(answerSdp);
  if (!parsed.ok) return { ok: false, status: 400, reason: parsed.reason };
  const { session } = parsed;
  // RFC 3264 §6: the answer has exactly as many m-lines as the offer (one).
  if (session.media.length !== 1)
    return { ok: false, status: 400, reason: 'answer m-line count differs from offer' };
  const line = session.media[0]!;
  if (line.type !== 'audio') return { ok: false, status: 400, reason: 'answer m-line is not audio' };
  if (Number(line.port) === 0) return { ok: false, status: 488, reason: 'audio stream rejected' };
  if (line.protocol !== state.protocol)
    return { ok: false, status: 488, reason: `answer profile ${line.protocol}` };
  const transport = readRemoteTransport(session, line);
  if (typeof transport === 'string') return { ok: false, status: 400, reason: transport };

  const formats = listPayloadFormats(line).filter((f) => offeredMatch(state, f));
  const chosen = formats.find((f) => f.name.toLowerCase() !== 'telephone-event');
  if (chosen === undefined) return { ok: false, status: 488, reason: 'answer has no offered codec' };
  const opusRate = state.local.opusSampleRate ?? 16000;
  const codec = codecInfoFor(chosen, opusRate);
  const te =
    state.local.dtmf === false
      ? undefined
      : (formats.find((f) => f.name.toLowerCase() === 'telephone-event' && f.clockRate === codec.clockRate) ??
        formats.find((f) => f.name.toLowerCase() === 'telephone-event'));

  let crypto: NegotiatedMedia['crypto'];
  if (state.crypto.length > 0) {
    // RFC 4568 §7.1.3: the answer's single crypto line picks one of our tags and suite.
    const answered = (line.crypto ?? []).map(parseSdesCrypto).find((c) => c !== undefined);
    const ours = state.crypto.find((c) => c.tag === answered?.tag && c.suite === answered.suite);
    if (answered === undefined || ours === undefined)
      return { ok: false, status: 488, reason: 'no acceptable crypto' };
    crypto = {
      suite: ours.suite,
      localKeyBase64: ours.keyBase64,
      remoteKeyBase64: answered.keyBase64,
      tag: ours.tag,
    };
  }
  const dtlsOffered = state.local.dtls !== undefined && state.protocol === 'UDP/TLS/RTP/SAVPF';
  const dtls = dtlsOffered ? readAnswerDtls(session, line) : undefined;
  if (typeof dtls === 'string') return { ok: false, status: 488, reason: dtls };
  const ice = state.local.ice === undefined ? undefined : readRemoteIce(session, line, state.local.ice);
  const rtcpMux = transport.rtcpMuxOffered && (state.local.rtcpMux === true || dtlsOffered);
  const media: NegotiatedMedia = {
    remoteAddress: transport.address,
    remotePort: transport.port,
    remoteRtcpPort: rtcpMux ? transport.port : transport.rtcpPort,
    rtcpMux,
    payloadType: chosen.payloadType,
    codec,
    fmtp: parseFmtp(chosen.fmtpConfig),
    ptimeMs: choosePtime(codec.name, transport.ptimeMs, state.local.ptimeMs ?? 20),
    direction: negotiateDirection(transport.direction, state.local.direction ?? 'sendrecv'),
    hold: isRemoteHold(transport.direction),
  };
  if (te !== undefined) {
    media.dtmfPayloadType = te.payloadType;
    media.dtmfClockRate = te.clockRate;
  }
  if (crypto !== undefined) media.crypto = crypto;
  if (dtls !== undefined) media.dtls = dtls;
  if (ice !== undefined) media.ice = ice;
  return { ok: true, sdp: state.sdp, media };
}
