/**
 * SRTP crypto suites supported by {@link SrtpContext} (RFC 4568 §6.2, RFC 3711 §8.2).
 */

import type { SrtpSuite } from '../sdp/types.js';

/** Parameters of a suite; lengths in bytes. */
export interface SrtpSuiteParams {
  readonly cipherKeyLength: number;
  readonly saltLength: number;
  readonly authKeyLength: number;
  /** SRTP authentication tag length. */
  readonly rtpTagLength: number;
  /**
   * SRTCP tag length: 10 for both suites (RFC 4568 §6.2.2: the _32 suite shortens
   * only the SRTP tag; SRTCP keeps HMAC-SHA1-80).
   */
  readonly rtcpTagLength: number;
}

/** Suite table (RFC 4568 §6.2.1 and §6.2.2). */
export const SRTP_SUITE_PARAMS: Readonly<Record<SrtpSuite, SrtpSuiteParams>> = {
  AES_CM_128_HMAC_SHA1_80: {
    cipherKeyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  AES_CM_128_HMAC_SHA1_32: {
    cipherKeyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
};
