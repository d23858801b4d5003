/**
 * SRTP crypto suites supported by `SrtpContext` (RFC 4568 §6.2, RFC 3711 §8.2,
 * RFC 7714 §14.2).
 */
import type { SrtpSuite } from '../sdp/types.js';

/** Every suite `SrtpContext` runs: the SDES suites of the SDP layer plus AEAD_AES_128_GCM. */
export type SrtpCryptoSuite = SrtpSuite | 'AEAD_AES_128_GCM';

/** Parameters of a suite; lengths in bytes. */
export interface SrtpSuiteParams {
  /** AEAD (GCM, RFC 7714) instead of AES-CM + HMAC-SHA1. */
  readonly aead: boolean;
  readonly cipherKeyLength: number;
  /** Master and session salt length (14 for AES-CM, 12 for GCM). */
  readonly saltLength: number;
  /** HMAC key length (0 for AEAD). */
  readonly authKeyLength: number;
  /** SRTP authentication tag length. */
  readonly rtpTagLength: number;
  /**
   * SRTCP tag length: 10 for both AES-CM suites (RFC 4568 §6.2.2: the _32 suite shortens
   * only the SRTP tag; SRTCP keeps HMAC-SHA1-80); 16 for GCM.
   */
  readonly rtcpTagLength: number;
}

/** Suite table (RFC 4568 §6.2.1 and §6.2.2). */
export const SRTP_SUITE_PARAMS: Readonly<Record<SrtpCryptoSuite, SrtpSuiteParams>> = {
  AES_CM_128_HMAC_SHA1_80: {
    aead: false,
    cipherKeyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  AES_CM_128_HMAC_SHA1_32: {
    aead: false,
    cipherKeyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  // RFC 7714 §12: 16-octet key, 12-octet salt, 16-octet tag.
  AEAD_AES_128_GCM: {
    aead: true,
    cipherKeyLength: 16,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};
