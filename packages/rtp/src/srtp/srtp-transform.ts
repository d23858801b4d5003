/**
 * The per-packet cryptographic transform of an SRTP context, one per suite family:
 * AES-CM + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2) or AEAD AES-GCM (RFC 7714). The context
 * around it handles rollover counters, replay windows and SRTCP indices.
 */

/** Outcome of opening a packet. */
export type OpenResult = Buffer | 'auth-failed' | 'mki-mismatch';

/** Suite-specific sealing and opening of SRTP/SRTCP packets. */
export interface SrtpTransform {
  /** Bytes appended to an RTP packet (MKI + tag, or tag). */
  readonly rtpOverhead: number;
  /** Bytes after the SRTCP E||index word (MKI + tag for AES-CM, 0 for GCM). */
  readonly rtcpAfterIndex: number;
  /** Minimum SRTCP packet length (header + tag + index word). */
  readonly rtcpMinLength: number;
  /** Encrypt and authenticate an RTP packet whose 48-bit index is `index`. */
  sealRtp(rtp: Buffer, headerLength: number, ssrc: number, index: number, roc: number): Buffer;
  /** Authenticate and decrypt; the plaintext RTP packet or the failure. */
  openRtp(srtp: Buffer, headerLength: number, ssrc: number, index: number, roc: number): OpenResult;
  /** Encrypt (E = 1) and authenticate an RTCP compound with SRTCP index `index`. */
  sealRtcp(rtcp: Buffer, ssrc: number, index: number): Buffer;
  /** Authenticate and, when `encrypted`, decrypt an SRTCP packet. */
  openRtcp(srtcp: Buffer, ssrc: number, index: number, encrypted: boolean): OpenResult;
}
