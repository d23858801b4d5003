/**
 * SRTP keys from a DTLS-SRTP handshake (RFC 5764 §4.2): the keying material exporter
 * output with label `EXTRACTOR-dtls_srtp` is split into
 * `client_write_key | server_write_key | client_write_salt | server_write_salt`.
 * Pure.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateFingerprint } from '../sdp/types.js';
import { SRTP_SUITE_PARAMS, type SrtpCryptoSuite } from '../srtp/srtp-suites.js';

/** RFC 5764 §4.1.2 / RFC 7714 §14.2 protection profile ids and the suite they map to. */
export const DTLS_SRTP_PROFILES: Readonly<Record<number, SrtpCryptoSuite>> = {
  0x0001: 'AES_CM_128_HMAC_SHA1_80',
  0x0002: 'AES_CM_128_HMAC_SHA1_32',
  0x0007: 'AEAD_AES_128_GCM',
};

/** RFC 5705 exporter label for DTLS-SRTP (RFC 5764 §4.2). */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

/** Keys for our SrtpContext pair: what we send with, what we receive with. */
export interface DtlsSrtpKeys {
  readonly suite: SrtpCryptoSuite;
  /** master key || salt protecting what WE send. */
  readonly localKey: Buffer;
  /** master key || salt protecting what we RECEIVE. */
  readonly remoteKey: Buffer;
}

/** Bytes to export for `suite`: 2 * (key + salt). */
export function keyingMaterialLength(suite: SrtpCryptoSuite): number {
  const p = SRTP_SUITE_PARAMS[suite];
  return 2 * (p.cipherKeyLength + p.saltLength);
}

/**
 * Split exported keying material (RFC 5764 §4.2). The client's write key protects what
 * the DTLS client sends, so it is our local key when we are the client.
 * @throws RangeError when `material` has the wrong length (programmer error).
 */
export function splitDtlsSrtpKeyingMaterial(
  material: Buffer,
  suite: SrtpCryptoSuite,
  role: 'client' | 'server',
): DtlsSrtpKeys {
  const { cipherKeyLength: k, saltLength: s } = SRTP_SUITE_PARAMS[suite];
  if (material.length !== 2 * (k + s)) throw new RangeError(`keying material must be ${2 * (k + s)} bytes`);
  const clientKey = material.subarray(0, k);
  const serverKey = material.subarray(k, 2 * k);
  const clientSalt = material.subarray(2 * k, 2 * k + s);
  const serverSalt = material.subarray(2 * k + s, 2 * k + 2 * s);
  const client = Buffer.concat([clientKey, clientSalt]);
  const server = Buffer.concat([serverKey, serverSalt]);
  return role === 'client'
    ? { suite, localKey: client, remoteKey: server }
    : { suite, localKey: server, remoteKey: client };
}

/** RFC 8122 §5 fingerprint of a DER certificate: upper-case hex pairs joined by colons. */
export function certificateFingerprint(der: Buffer, algorithm = 'sha-256'): CertificateFingerprint {
  const hash = createHash(algorithm.replace('-', '')).update(der).digest('hex').toUpperCase();
  return { algorithm, value: hash.match(/../g)!.join(':') };
}

/** Fingerprint of a PEM certificate (our own, for the SDP). */
export function pemFingerprint(pem: string, algorithm = 'sha-256'): CertificateFingerprint {
  return certificateFingerprint(new X509Certificate(pem).raw, algorithm);
}

/** RFC 5763 §5: the certificate presented must match the fingerprint from the SDP. Never throws. */
export function fingerprintMatches(der: Buffer | undefined, expected: CertificateFingerprint): boolean {
  if (der === undefined) return false;
  try {
    return certificateFingerprint(der, expected.algorithm).value === expected.value.toUpperCase();
  } catch {
    return false;
  }
}
