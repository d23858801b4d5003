/**
 * Reading the remote side's session description: parse, validate, and extract the
 * transport facts of one m-line (address, ports, rtcp-mux, direction, ptime).
 */
import { parse } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { validateSdpStructure } from './sdp-validate.js';
import { effectiveRemoteDirection, toDirection } from './media-direction.js';
import type { MediaDirection } from './types.js';

/** Parsed remote SDP or a 400 reason. */
export type RemoteSdpResult =
  | { readonly ok: true; readonly session: SessionDescription }
  | { readonly ok: false; readonly reason: string };

/** Validate structurally then parse with sdp-transform. Never throws. */
export function parseRemoteSdp(sdp: string): RemoteSdpResult {
  const bad = validateSdpStructure(sdp);
  if (bad !== undefined) return { ok: false, reason: bad };
  try {
    const session = parse(sdp);
    if (!Array.isArray(session.media) || session.media.length === 0)
      return { ok: false, reason: 'no m= line' };
    return { ok: true, session };
  } catch (err) {
    return { ok: false, reason: `unparsable SDP: ${String(err)}` };
  }
}

/** Transport facts of one remote m-line. */
export interface RemoteTransport {
  readonly address: string;
  readonly port: number;
  /** RFC 3605 a=rtcp port, else `port + 1` (RFC 3550 §11); `port` with rtcp-mux. */
  readonly rtcpPort: number;
  /** The remote offered/answered a=rtcp-mux (RFC 5761 §5.1.1). */
  readonly rtcpMuxOffered: boolean;
  /** Declared direction adjusted for RFC 2543 `c=0.0.0.0` hold. */
  readonly direction: MediaDirection;
  /** a=ptime in ms when present and sane. */
  readonly ptimeMs: number | undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function plausibleAddress(ip: string): boolean {
  const m = IPV4.exec(ip);
  if (m !== null) return m.slice(1).every((o) => Number(o) <= 255);
  if (ip.includes(':')) return /^[0-9a-fA-F:.]+$/.test(ip);
  // RFC 4566 §5.7 allows an FQDN; accept hostnames, the session layer resolves them.
  return /^[A-Za-z0-9.-]{1,253}$/.test(ip);
}

/**
 * Extract address, ports and direction for `media`.
 * @returns a reason string when the m-line lacks a usable connection address (400).
 */
export function readRemoteTransport(
  session: SessionDescription,
  media: MediaDescription,
): RemoteTransport | string {
  // RFC 4566 §5.7: media-level c= overrides session-level c=.
  const address = media.connection?.ip ?? session.connection?.ip;
  if (address === undefined) return 'no c= line for the media';
  const ip = String(address).split('/')[0]!;
  if (!plausibleAddress(ip)) return 'invalid connection address';
  const port = Number(media.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return 'invalid media port';
  const muxOffered = media.rtcpMux === 'rtcp-mux';
  const rtcpAttr = Number(media.rtcp?.port);
  const rtcpPort = Number.isInteger(rtcpAttr) && rtcpAttr > 0 && rtcpAttr <= 65535 ? rtcpAttr : port + 1;
  const declared = toDirection(media.direction ?? session.direction);
  const ptime = Number(media.ptime);
  return {
    address: ip,
    port,
    rtcpPort,
    rtcpMuxOffered: muxOffered,
    direction: effectiveRemoteDirection(declared, ip),
    ptimeMs: Number.isInteger(ptime) && ptime >= 10 && ptime <= 120 ? ptime : undefined,
  };
}

/**
 * The frame duration to use: the remote's a=ptime if the codec can packetise it, else
 * ours (RFC 4566 §6 ptime is a receive preference; RFC 7587 §4.2 Opus frames are
 * 10/20/40/60 ms; G.711 any multiple of 10 ms here).
 */
export function choosePtime(codecName: string, remote: number | undefined, ours: number): number {
  if (remote === undefined) return ours;
  const opus = codecName.toLowerCase() === 'opus';
  const ok = opus ? [10, 20, 40, 60].includes(remote) : remote % 10 === 0 && remote <= 60;
  return ok ? remote : ours;
}
