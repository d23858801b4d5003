/**
 * SDP offer/answer data model (RFC 3264, RFC 4566) as used by the daemon.
 */
import type { CodecInfo } from '../codec/types.js';

/** RFC 3264 §5.1 / RFC 4566 §6 media direction attribute. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/**
 * SRTP (SDES, RFC 4568) policy.
 * - `off`: plain RTP only (RTP/AVP); SAVP-only offers get 488.
 * - `optional`: accept RTP/AVP or RTP/SAVP; offer RTP/AVP.
 * - `mandatory`: RTP/SAVP only; RTP/AVP offers get 488.
 */
export type SrtpPolicy = 'off' | 'optional' | 'mandatory';

/** SDES crypto suites we negotiate (RFC 4568 §6.2). */
export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** Our side of the media negotiation. */
export interface LocalMediaOptions {
  /** IP for `c=` and `o=` (IPv4 or IPv6). */
  address: string;
  /** Our RTP port (even, RFC 3550 §11). RTCP is `port + 1` unless rtcp-mux. */
  port: number;
  /** Codec preference order, e.g. `['opus', 'PCMU', 'PCMA']` (case-insensitive). */
  codecs: string[];
  /** PCM rate for Opus decode/encode in Hz (fmtp `maxplaybackrate`). Default 16000. */
  opusSampleRate?: number;
  /** Offer/accept telephone-event (RFC 4733). Default true. */
  dtmf?: boolean;
  /** Packetisation time in ms (`a=ptime`). Default 20. */
  ptimeMs?: number;
  /** SRTP policy. Default `off`. */
  srtp?: SrtpPolicy;
  /** rtcp-mux (RFC 5761): accepted when offered if not false (default true); offered only if true. */
  rtcpMux?: boolean;
  /** Our wanted direction. Default `sendrecv` (hold: `sendonly`). */
  direction?: MediaDirection;
  /** `o=` session id (digits). Default: random; keep it stable for the whole call. */
  sessionId?: string;
  /** `o=` session version; the caller increments it for every new offer/answer. Default 1. */
  sessionVersion?: number;
  /** `o=` username. Default `-`. */
  username?: string;
  /** `s=` session name. Default `-`. */
  sessionName?: string;
  /** Randomness for SDES keys and default session ids. Default `crypto.randomBytes`. */
  randomBytes?: (length: number) => Buffer;
  /** DTLS-SRTP (RFC 5763): accept `UDP/TLS/RTP/SAVP(F)` offers. Default absent (488 as before). */
  dtls?: LocalDtlsOptions;
  /** ICE (RFC 8839) credentials and candidates put in DTLS answers. Default absent. */
  ice?: LocalIceOptions;
}

/** SDES keys negotiated for SRTP (RFC 4568 inline key: 16-byte key || 14-byte salt, base64). */
export interface NegotiatedCrypto {
  readonly suite: SrtpSuite;
  /** Our master key||salt (30 bytes, base64): protects what we SEND. */
  readonly localKeyBase64: string;
  /** Their master key||salt (30 bytes, base64): protects what we RECEIVE. */
  readonly remoteKeyBase64: string;
  /** The a=crypto tag (RFC 4568 §9.1). */
  readonly tag: number;
}

/** Result of a successful negotiation: what the media session needs. */
export interface NegotiatedMedia {
  /** Where to send RTP (from `c=`, media level over session level). */
  remoteAddress: string;
  remotePort: number;
  /** Where to send RTCP: `a=rtcp` (RFC 3605), else `remotePort + 1`, or `remotePort` with mux. */
  remoteRtcpPort: number;
  /** RTP and RTCP share one port (RFC 5761). */
  rtcpMux: boolean;
  /** Payload type of the audio codec on the wire (both directions). */
  payloadType: number;
  codec: CodecInfo;
  /** The REMOTE side's fmtp for `payloadType` (their receive preferences; feed to createCodec). */
  fmtp: Record<string, string | number>;
  /** telephone-event payload type, when negotiated. */
  dtmfPayloadType?: number;
  /** telephone-event RTP clock rate in Hz (8000 or 48000), when negotiated. */
  dtmfClockRate?: number;
  /** Packetisation time in ms. */
  ptimeMs: number;
  /** OUR direction (what we may do). */
  direction: MediaDirection;
  /** The remote put us on hold (sendonly/inactive, or `c=0.0.0.0` per RFC 2543). */
  hold: boolean;
  /** SDES-SRTP keys; absent for plain RTP. */
  crypto?: NegotiatedCrypto;
  /** DTLS-SRTP role and remote fingerprint; present for `UDP/TLS/RTP/SAVP(F)` only. */
  dtls?: NegotiatedDtls;
  /** ICE credentials and candidates; present when both sides gave ICE credentials. */
  ice?: NegotiatedIce;
}

/** Outcome of answering an offer or applying an answer. */
export type AnswerResult =
  { ok: true; sdp: string; media: NegotiatedMedia } | { ok: false; status: 488 | 400; reason: string };

/** One payload format we put in an offer. */
export interface OfferedFormat {
  readonly payloadType: number;
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
}

/** What {@link createOffer} remembers to interpret the answer. Treat as opaque. */
export interface OfferState {
  /** The offer SDP we sent. */
  readonly sdp: string;
  /** Resolved local options (defaults applied). */
  readonly local: Readonly<LocalMediaOptions>;
  /** Formats offered on the audio m-line, in order. */
  readonly formats: readonly OfferedFormat[];
  /** Our offered SDES keys by tag (empty for RTP/AVP offers). */
  readonly crypto: readonly { readonly tag: number; readonly suite: SrtpSuite; readonly keyBase64: string }[];
  /** Profile we offered (`RTP/AVP` or `RTP/SAVP`). */
  readonly protocol: string;
}

/**
 * One ICE candidate (RFC 8839 §5.1 `a=candidate`). Addresses are IP literals; only UDP
 * candidates are used.
 */
export interface IceCandidate {
  readonly foundation: string;
  /** 1 = RTP (the only component with rtcp-mux), 2 = RTCP. */
  readonly component: number;
  readonly transport: string;
  /** RFC 8445 §5.1.2 priority (32-bit). */
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay';
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
}

/** Our ICE credentials and candidates for the answer (RFC 8839 §5.4). */
export interface LocalIceOptions {
  /** `a=ice-ufrag` (4..256 ice-chars, RFC 8839 §5.4). */
  readonly ufrag: string;
  /** `a=ice-pwd` (22..256 ice-chars). */
  readonly pwd: string;
  /** Candidates we advertise; the first one also goes into `c=` and the m-line port. */
  readonly candidates: readonly IceCandidate[];
  /**
   * Advertise `a=ice-lite` (RFC 8445 §2.5): we only answer connectivity checks and never
   * send our own. Default true (the only mode implemented).
   */
  readonly lite?: boolean;
}

/** A certificate fingerprint (RFC 8122 §5 `a=fingerprint`). */
export interface CertificateFingerprint {
  /** Hash function name in lower case, e.g. `sha-256`. */
  readonly algorithm: string;
  /** Upper-case hex bytes separated by colons. */
  readonly value: string;
}

/**
 * DTLS-SRTP (RFC 5763/5764) on our side. Giving it in {@link LocalMediaOptions} is what
 * enables `UDP/TLS/RTP/SAVP(F)` offers: without it they keep being refused with 488.
 * It is independent of the SDES {@link SrtpPolicy} (the daemon's `media_encryption:
 * dtls-srtp` sets this, `sdes` sets `srtp`).
 */
export interface LocalDtlsOptions {
  /** Fingerprint of the certificate we will present in the handshake. */
  readonly fingerprint: CertificateFingerprint;
}

/** DTLS parameters negotiated for the media stream. */
export interface NegotiatedDtls {
  /** What the remote's certificate must hash to (RFC 5763 §5). */
  readonly remoteFingerprint: CertificateFingerprint;
  /**
   * Our DTLS role: `client` when we answered `a=setup:active` (to `actpass` or `passive`),
   * `server` when we answered `passive` (to `active`). RFC 5763 §5.
   */
  readonly role: 'client' | 'server';
}

/** ICE parameters negotiated for the media stream. */
export interface NegotiatedIce {
  readonly remoteUfrag: string;
  readonly remotePwd: string;
  readonly remoteCandidates: readonly IceCandidate[];
  readonly localUfrag: string;
  readonly localPwd: string;
  /** The remote declared `a=ice-lite`. */
  readonly remoteLite: boolean;
}
