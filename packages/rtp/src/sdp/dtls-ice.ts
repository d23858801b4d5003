/**
 * DTLS-SRTP (RFC 5763, RFC 8842) and ICE (RFC 8839) attributes of an offer, read at media
 * level with session level as the fallback, and written into our answer.
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type {
  CertificateFingerprint,
  IceCandidate,
  LocalDtlsOptions,
  LocalIceOptions,
  NegotiatedDtls,
  NegotiatedIce,
} from './types.js';

/** RTP profiles carried over DTLS (RFC 5764 §8, RFC 5124). */
export const DTLS_PROFILES = ['UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVP'];

/**
 * Does this SDP offer audio over DTLS-SRTP (`UDP/TLS/RTP/SAVP(F)`)? A cheap line scan
 * for routing an offer to `prepareSecureMedia`; never throws.
 */
export function offersDtlsSrtp(sdp: string): boolean {
  return /^m=audio +[1-9]\d* +UDP\/TLS\/RTP\/SAVPF? /im.test(sdp);
}

/** Hash functions we can check a certificate with (RFC 8122 §5; node:crypto names). */
const HASHES = ['sha-256', 'sha-384', 'sha-512', 'sha-1'];

/** Most candidates we keep from one offer (hostile SDP). */
const MAX_CANDIDATES = 32;

/**
 * Our answer's `a=setup` and DTLS role for the offered `a=setup` (RFC 5763 §5, RFC 4145
 * §4): `actpass` (or absent, which RFC 4145 §4 reads as `active`... but RFC 5763 §5
 * requires offerers to say `actpass`) -> we answer `active` and are the DTLS client;
 * `active` -> we answer `passive` and are the server; `passive` -> `active`, client.
 * `holdconn` is refused.
 */
export function answerSetup(
  offered: string | undefined,
): { setup: 'active' | 'passive'; role: 'client' | 'server' } | undefined {
  const s = (offered ?? 'actpass').toLowerCase();
  if (s === 'actpass' || s === 'passive') return { setup: 'active', role: 'client' };
  if (s === 'active') return { setup: 'passive', role: 'server' };
  return undefined;
}

/** Normalise a fingerprint: lower-case algorithm, upper-case colon hex. */
export function normaliseFingerprint(algorithm: string, value: string): CertificateFingerprint | undefined {
  const alg = algorithm.toLowerCase();
  const hex = value.toUpperCase();
  if (!HASHES.includes(alg)) return undefined;
  if (!/^[0-9A-F]{2}(:[0-9A-F]{2}){15,63}$/.test(hex)) return undefined;
  return { algorithm: alg, value: hex };
}

/** The remote DTLS parameters of `media`, or a 488 reason. */
export function readRemoteDtls(
  session: SessionDescription,
  media: MediaDescription,
): NegotiatedDtls | string {
  const fp = media.fingerprint ?? session.fingerprint;
  if (fp === undefined) return 'DTLS offer without a=fingerprint';
  const remoteFingerprint = normaliseFingerprint(String(fp.type), String(fp.hash));
  if (remoteFingerprint === undefined) return 'unsupported a=fingerprint';
  const setup = answerSetup(media.setup ?? session.setup);
  if (setup === undefined) return 'unsupported a=setup';
  return { remoteFingerprint, role: setup.role };
}

function toCandidate(raw: Record<string, unknown>): IceCandidate | undefined {
  const port = Number(raw.port);
  const priority = Number(raw.priority);
  const component = Number(raw.component);
  const type = String(raw.type);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  if (!Number.isInteger(priority) || priority < 0 || priority > 0xffffffff) return undefined;
  if (component !== 1 && component !== 2) return undefined;
  if (!['host', 'srflx', 'prflx', 'relay'].includes(type)) return undefined;
  if (String(raw.transport).toLowerCase() !== 'udp') return undefined;
  const rport = Number(raw.rport);
  return {
    foundation: String(raw.foundation),
    component,
    transport: 'udp',
    priority,
    address: String(raw.ip),
    port,
    type: type as IceCandidate['type'],
    ...(raw.raddr !== undefined ? { relatedAddress: String(raw.raddr) } : {}),
    ...(Number.isInteger(rport) ? { relatedPort: rport } : {}),
  };
}

/** The remote ICE parameters of `media`, or undefined when it has no ICE credentials. */
export function readRemoteIce(
  session: SessionDescription,
  media: MediaDescription,
  local: LocalIceOptions,
): NegotiatedIce | undefined {
  const ufrag = media.iceUfrag ?? session.iceUfrag;
  const pwd = media.icePwd ?? session.icePwd;
  if (ufrag === undefined || pwd === undefined) return undefined;
  const candidates: IceCandidate[] = [];
  for (const raw of (media.candidates ?? []).slice(0, MAX_CANDIDATES)) {
    const c = toCandidate(raw as unknown as Record<string, unknown>);
    if (c !== undefined) candidates.push(c);
  }
  return {
    remoteUfrag: String(ufrag),
    remotePwd: String(pwd),
    remoteCandidates: candidates,
    localUfrag: local.ufrag,
    localPwd: local.pwd,
    remoteLite: session.icelite === 'ice-lite',
  };
}

/**
 * The remote DTLS parameters of an ANSWER to our `actpass` offer (RFC 5763 §5): `active`
 * makes us the DTLS server, `passive` the client; `actpass` or `holdconn` are invalid.
 */
export function readAnswerDtls(
  session: SessionDescription,
  media: MediaDescription,
): NegotiatedDtls | string {
  const fp = media.fingerprint ?? session.fingerprint;
  if (fp === undefined) return 'DTLS answer without a=fingerprint';
  const remoteFingerprint = normaliseFingerprint(String(fp.type), String(fp.hash));
  if (remoteFingerprint === undefined) return 'unsupported a=fingerprint';
  const setup = String(media.setup ?? session.setup ?? 'active').toLowerCase();
  if (setup === 'active') return { remoteFingerprint, role: 'server' };
  if (setup === 'passive') return { remoteFingerprint, role: 'client' };
  return `invalid a=setup:${setup} in an answer`;
}

/** Add our fingerprint and `a=setup:actpass` (RFC 5763 §5: the offerer says actpass) to an offer's m-line. */
export function writeOfferDtlsAttributes(media: MediaDescription, dtls: LocalDtlsOptions): void {
  media.fingerprint = { type: dtls.fingerprint.algorithm, hash: dtls.fingerprint.value };
  media.setup = 'actpass';
}

/** Add our fingerprint/setup (RFC 8842 §5) to the answer's m-line. */
export function writeDtlsAttributes(
  media: MediaDescription,
  dtls: LocalDtlsOptions,
  role: 'client' | 'server',
): void {
  media.fingerprint = { type: dtls.fingerprint.algorithm, hash: dtls.fingerprint.value };
  media.setup = role === 'client' ? 'active' : 'passive';
}

/** Add our ICE credentials and candidates (RFC 8839 §5) to the answer's m-line. */
export function writeIceAttributes(media: MediaDescription, ice: LocalIceOptions): void {
  media.iceUfrag = ice.ufrag;
  media.icePwd = ice.pwd;
  media.candidates = ice.candidates.map((c) => ({
    foundation: c.foundation,
    component: c.component,
    transport: c.transport,
    priority: c.priority,
    ip: c.address,
    port: c.port,
    type: c.type,
    ...(c.relatedAddress !== undefined ? { raddr: c.relatedAddress } : {}),
    ...(c.relatedPort !== undefined ? { rport: c.relatedPort } : {}),
  }));
}
