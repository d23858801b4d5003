/**
 * Builds our session description (RFC 4566) as sdp-transform objects, written by
 * {@link writeSdp} (sdp-transform's format, without its grammar walk).
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { writeSdp } from './sdp-fast-writer.js';
import type { RawCrypto } from './sdes-crypto.js';
import type { LocalMediaOptions, MediaDirection, OfferedFormat } from './types.js';

/** Local options with every default applied (see {@link LocalMediaOptions}). */
export type ResolvedLocalOptions = Required<Omit<LocalMediaOptions, 'rtcpMux' | 'dtls' | 'ice'>> & {
  /** undefined = accept when offered but do not offer (the documented default). */
  rtcpMux: boolean | undefined;
  dtls: LocalMediaOptions['dtls'];
  ice: LocalMediaOptions['ice'];
};

/** Apply the documented defaults to {@link LocalMediaOptions}. */
export function resolveLocalOptions(
  local: LocalMediaOptions,
  defaultRandom: (n: number) => Buffer,
): ResolvedLocalOptions {
  const randomBytes = local.randomBytes ?? defaultRandom;
  return {
    address: local.address,
    port: local.port,
    codecs: local.codecs,
    opusSampleRate: local.opusSampleRate ?? 16000,
    dtmf: local.dtmf ?? true,
    ptimeMs: local.ptimeMs ?? 20,
    srtp: local.srtp ?? 'off',
    rtcpMux: local.rtcpMux,
    direction: local.direction ?? 'sendrecv',
    // RFC 4566 §5.2: a numeric session id; NTP-format timestamps are suggested but any digits do.
    sessionId: local.sessionId ?? String(randomBytes(6).readUIntBE(0, 6)),
    sessionVersion: local.sessionVersion ?? 1,
    username: local.username ?? '-',
    sessionName: local.sessionName ?? '-',
    randomBytes,
    dtls: local.dtls,
    ice: local.ice,
  };
}

/** A format line we write: payload type, rtpmap and optional fmtp. */
export interface WrittenFormat extends OfferedFormat {
  readonly fmtp?: string;
}

/** Everything needed to write our audio m-line. */
export interface AudioMediaSpec {
  readonly port: number;
  readonly protocol: string;
  readonly formats: readonly WrittenFormat[];
  readonly ptimeMs: number;
  readonly direction: MediaDirection;
  readonly rtcpMux: boolean;
  readonly crypto: readonly RawCrypto[];
}

/** Build the sdp-transform object for our audio m-line. */
export function buildAudioMedia(spec: AudioMediaSpec): MediaDescription {
  const media: MediaDescription = {
    type: 'audio',
    port: spec.port,
    protocol: spec.protocol,
    payloads: spec.formats.map((f) => f.payloadType).join(' '),
    rtp: spec.formats.map((f) => ({
      payload: f.payloadType,
      codec: f.name,
      rate: f.clockRate,
      ...(f.channels > 1 ? { encoding: f.channels } : {}),
    })),
    fmtp: spec.formats
      .filter((f) => f.fmtp !== undefined)
      .map((f) => ({ payload: f.payloadType, config: f.fmtp! })),
    ptime: spec.ptimeMs,
    direction: spec.direction,
  };
  if (spec.rtcpMux) media.rtcpMux = 'rtcp-mux';
  if (spec.crypto.length > 0) media.crypto = spec.crypto.map((c) => ({ ...c }));
  return media;
}

/** A rejected m-line in an answer (RFC 3264 §6: port 0, same type, proto and formats). */
export function buildRejectedMedia(offered: MediaDescription): MediaDescription {
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    payloads: String(offered.payloads ?? '0').trim() || '0',
    rtp: [],
    fmtp: [],
  };
}

/**
 * Write a complete session description with our o=, s=, c= and t= lines.
 * @param extra session-level attributes to add (e.g. `{ icelite: 'ice-lite' }`, RFC 8839 §5.3).
 */
export function writeSession(
  local: ResolvedLocalOptions,
  media: MediaDescription[],
  extra: Partial<SessionDescription> = {},
): string {
  const ipVer = local.address.includes(':') ? 6 : 4;
  const session: SessionDescription = {
    version: 0,
    origin: {
      username: local.username,
      sessionId: local.sessionId,
      sessionVersion: local.sessionVersion,
      netType: 'IN',
      ipVer,
      address: local.address,
    },
    name: local.sessionName,
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    ...extra,
    media,
  };
  return writeSdp(session);
}
