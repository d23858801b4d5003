/**
 * HTTP Digest authentication for SIP (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760):
 * MD5, SHA-256 and SHA-512/256, their `-sess` variants, qop `auth` / `auth-int`, userhash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AuthParams, parseAuthChallenges } from './auth-params.js';

/** Algorithm names as registered (RFC 7616 §6.1). */
export type DigestAlgorithm =
  'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** A parsed `Digest` challenge from WWW-Authenticate / Proxy-Authenticate. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string | undefined;
  /** Canonical algorithm; `MD5` when absent (RFC 7616 §3.3); undefined when unsupported. */
  readonly algorithm: DigestAlgorithm | undefined;
  /** The algorithm exactly as written in the challenge (absent -> undefined). */
  readonly algorithmRaw?: string | undefined;
  /** qop options, lower-cased (`auth`, `auth-int`); empty when absent (RFC 2069 mode). */
  readonly qop: readonly string[];
  /** `stale=true`: the nonce expired, retry without prompting (RFC 7616 §3.3). */
  readonly stale: boolean;
  readonly domain?: string | undefined;
  /** `userhash=true` (RFC 7616 §3.4.4). */
  readonly userhash: boolean;
  /** `charset=UTF-8` (RFC 7616 §3.3). */
  readonly charset?: string | undefined;
  /** All parameters, names lower-cased, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
  'sha-512-256': 'SHA-512-256',
  'sha-512-256-sess': 'SHA-512-256-sess',
};

/** Node hash name per algorithm family ('sha512-256' is SHA-512/256, FIPS 180-4). */
function hashName(alg: DigestAlgorithm): string {
  if (alg.startsWith('SHA-512-256')) return 'sha512-256';
  if (alg.startsWith('SHA-256')) return 'sha256';
  return 'md5';
}

/** Strength order for {@link chooseChallenge} (RFC 8760 §2.4, RFC 7616 §3.7). */
function strength(alg: DigestAlgorithm | undefined): number {
  if (alg === undefined) return 0;
  if (alg.startsWith('SHA-512-256')) return 3;
  if (alg.startsWith('SHA-256')) return 2;
  return 1;
}

function toChallenge(ap: AuthParams): DigestChallenge | undefined {
  if (ap.scheme.toLowerCase() !== 'digest') return undefined;
  const p = ap.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithmRaw = p.get('algorithm');
  const qop = (p.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q) => q !== '');
  return {
    realm,
    nonce,
    opaque: p.get('opaque'),
    // RFC 7616 §3.3: an absent algorithm means MD5.
    algorithm: algorithmRaw === undefined ? 'MD5' : ALGORITHMS[algorithmRaw.toLowerCase()],
    algorithmRaw,
    qop,
    stale: p.get('stale')?.toLowerCase() === 'true',
    domain: p.get('domain'),
    userhash: p.get('userhash')?.toLowerCase() === 'true',
    charset: p.get('charset'),
    params: p,
  };
}

/**
 * Every `Digest` challenge of a WWW-Authenticate / Proxy-Authenticate value (one line
 * may hold several, RFC 7235 §4.1); other schemes and challenges lacking realm or nonce
 * are skipped.
 */
export function parseChallenges(headerValue: string): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const ap of parseAuthChallenges(headerValue)) {
    const c = toChallenge(ap);
    if (c !== undefined) out.push(c);
  }
  return out;
}

/**
 * Parse a `Digest` challenge (the first one in the value). Undefined for other schemes
 * or when realm or nonce is missing. An absent algorithm means MD5 (RFC 7616 §3.3); an
 * unknown one leaves `algorithm` undefined (the challenge cannot be answered).
 */
export function parseChallenge(headerValue: string): DigestChallenge | undefined {
  return parseChallenges(headerValue)[0];
}

/**
 * Pick the challenge to answer: the strongest supported algorithm (SHA-512-256 >
 * SHA-256 > MD5, RFC 8760 §2.4 / RFC 7616 §3.7), the first one on ties; undefined when
 * none is supported.
 */
export function chooseChallenge(challenges: readonly DigestChallenge[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const c of challenges) if (strength(c.algorithm) > strength(best?.algorithm)) best = c;
  return best;
}

/** Inputs of {@link buildAuthorization}. */
export interface DigestCredentialsInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  /** Request method (RFC 3261 §22.4: the request's method, e.g. `REGISTER`). */
  readonly method: string;
  /** digest-uri: the Request-URI as sent. */
  readonly uri: string;
  /** Request body, hashed for qop=auth-int; default empty. */
  readonly body?: Buffer;
  /** Nonce count, 1 for the first use of a nonce; written as 8 hex digits. */
  readonly nc: number;
  /** Client nonce; required whenever qop is used or the algorithm is `-sess`. */
  readonly cnonce: string;
}

/** The values computed for a credentials header (exposed for tests and servers). */
export interface DigestResponse {
  readonly response: string;
  readonly qop: 'auth' | 'auth-int' | undefined;
  readonly ha1: string;
  readonly ha2: string;
}

function h(hash: string, data: string | Buffer): string {
  return createHash(hash).update(data).digest('hex');
}

/** Choose qop: `auth` preferred, `auth-int` when only that is offered (RFC 7616 §3.4). */
function chooseQop(offered: readonly string[]): 'auth' | 'auth-int' | undefined {
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return undefined;
}

/**
 * Compute the digest response (RFC 7616 §3.4.1-§3.4.3; RFC 2617 §3.2.2.1 when no qop).
 * Throws only on programmer error: an unsupported algorithm (check `challenge.algorithm`).
 */
export function computeDigest(input: DigestCredentialsInput): DigestResponse {
  const { challenge: c, username, password, method, uri, nc, cnonce } = input;
  const alg = c.algorithm;
  if (alg === undefined) throw new TypeError(`unsupported digest algorithm ${c.algorithmRaw ?? ''}`);
  const hash = hashName(alg);
  let ha1 = h(hash, `${username}:${c.realm}:${password}`);
  if (alg.endsWith('-sess')) ha1 = h(hash, `${ha1}:${c.nonce}:${cnonce}`);
  const qop = chooseQop(c.qop);
  const a2 =
    qop === 'auth-int' ? `${method}:${uri}:${h(hash, input.body ?? Buffer.alloc(0))}` : `${method}:${uri}`;
  const ha2 = h(hash, a2);
  const ncHex = formatNc(nc);
  const response =
    qop === undefined
      ? h(hash, `${ha1}:${c.nonce}:${ha2}`)
      : h(hash, `${ha1}:${c.nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`);
  return { response, qop, ha1, ha2 };
}

/** nonce-count as 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNc(nc: number): string {
  return (nc >>> 0).toString(16).padStart(8, '0');
}

function q(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Build an Authorization / Proxy-Authorization value answering `challenge`
 * (RFC 7616 §3.4): quoted username, realm, nonce, uri, response, cnonce, opaque;
 * UNquoted algorithm, qop and nc. With `userhash=true` the username is
 * H(username:realm) (RFC 7616 §3.4.4); a non-ASCII username under `charset=UTF-8` is
 * sent as `username*` (RFC 7616 §3.4.4, RFC 5987).
 */
export function buildAuthorization(input: DigestCredentialsInput): string {
  const c = input.challenge;
  const d = computeDigest(input);
  const hash = hashName(c.algorithm!);
  const parts: string[] = [];
  if (c.userhash) {
    parts.push(`username=${q(h(hash, `${input.username}:${c.realm}`))}`);
  } else if (/[^\x20-\x7e]/.test(input.username) && c.charset?.toUpperCase() === 'UTF-8') {
    parts.push(`username*=UTF-8''${encodeURIComponent(input.username)}`);
  } else {
    parts.push(`username=${q(input.username)}`);
  }
  parts.push(`realm=${q(c.realm)}`, `uri=${q(input.uri)}`);
  if (c.algorithmRaw !== undefined) parts.push(`algorithm=${c.algorithmRaw}`);
  parts.push(`nonce=${q(c.nonce)}`);
  if (d.qop !== undefined)
    parts.push(`nc=${formatNc(input.nc)}`, `cnonce=${q(input.cnonce)}`, `qop=${d.qop}`);
  else if (c.algorithm!.endsWith('-sess')) parts.push(`cnonce=${q(input.cnonce)}`);
  parts.push(`response=${q(d.response)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${q(c.opaque)}`);
  if (c.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/** Header carrying credentials for a challenge status: 401 -> Authorization, 407 -> Proxy-Authorization (RFC 3261 §22.2, §22.3). */
export function credentialsHeaderName(status: 401 | 407 | number): 'Authorization' | 'Proxy-Authorization' {
  return status === 407 ? 'Proxy-Authorization' : 'Authorization';
}

/** A new client nonce: 96 random bits in hex. */
export function generateCnonce(): string {
  return randomBytes(12).toString('hex');
}
