/**
 * SDES `a=crypto` attributes (RFC 4568) for SRTP keying.
 * `a=crypto:<tag> <crypto-suite> inline:<key||salt base64>[|<lifetime>][|<MKI>:<length>] [<session-params>]`
 */
import type { SrtpSuite } from './types.js';

/** Suites we support, in our preference order (RFC 4568 §6.2). */
export const SUPPORTED_SRTP_SUITES: readonly SrtpSuite[] = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
];

/** Master key (16 bytes) + master salt (14 bytes) for AES_CM_128 suites (RFC 4568 §6.2.1). */
export const SRTP_KEY_SALT_BYTES = 30;

/** A parsed a=crypto line that we can use. */
export interface SdesCryptoLine {
  readonly tag: number;
  readonly suite: SrtpSuite;
  readonly keyBase64: string;
}

/** The shape sdp-transform gives for `a=crypto`. */
export interface RawCrypto {
  readonly id: number;
  readonly suite: string;
  readonly config: string;
  readonly sessionConfig?: string;
}

/**
 * Parse one a=crypto line. Returns undefined when unusable for us: unknown suite, key not
 * 30 bytes, MKI present or several keys (we support one master key without MKI), or any
 * session parameter (RFC 4568 §6.3: e.g. UNENCRYPTED_SRTP, KDR) we do not implement.
 */
export function parseSdesCrypto(raw: RawCrypto): SdesCryptoLine | undefined {
  // sdp-transform turns numeric-looking tokens into numbers: coerce every field.
  const suite = SUPPORTED_SRTP_SUITES.find((s) => s === String(raw.suite));
  if (suite === undefined) return undefined;
  const tag = Number(raw.id);
  if (!Number.isInteger(tag) || tag < 0 || tag > 999999999) return undefined;
  if (raw.sessionConfig !== undefined && String(raw.sessionConfig).trim() !== '') return undefined;
  const keyParams = String(raw.config).split(';');
  if (keyParams.length !== 1) return undefined; // several master keys: need MKI support
  const m = /^inline:([A-Za-z0-9+/]+={0,2})(\|[^|]+)?(\|[^|]+)?$/.exec(keyParams[0]!.trim());
  if (m === null) return undefined;
  const [, key, p1, p2] = m;
  // Lifetime is "2^n" or decimal; an MKI is "<value>:<length>" (RFC 4568 §9.2).
  for (const p of [p1, p2]) if (p !== undefined && p.includes(':')) return undefined;
  if (Buffer.from(key!, 'base64').length !== SRTP_KEY_SALT_BYTES) return undefined;
  return { tag, suite, keyBase64: key! };
}

/** Pick the first offered crypto line we support, honouring the offerer's order (RFC 4568 §7.1.1). */
export function pickSdesCrypto(raw: readonly RawCrypto[] | undefined): SdesCryptoLine | undefined {
  for (const r of raw ?? []) {
    const parsed = parseSdesCrypto(r);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** Generate a fresh 30-byte master key||salt as base64 (40 characters). */
export function generateSdesKey(randomBytes: (n: number) => Buffer): string {
  return randomBytes(SRTP_KEY_SALT_BYTES).toString('base64');
}

/** Format the sdp-transform object for an a=crypto line. */
export function formatSdesCrypto(tag: number, suite: SrtpSuite, keyBase64: string): RawCrypto {
  return { id: tag, suite, config: `inline:${keyBase64}` };
}
