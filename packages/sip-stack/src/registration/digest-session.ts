/**
 * Digest credentials across the requests of one registration (RFC 3261 §22, RFC 7616,
 * RFC 8760): remembers the last challenge per header (401 -> Authorization, 407 ->
 * Proxy-Authorization) for pre-emptive reuse on refreshes, and classifies new challenges.
 * The digest computation itself lives in `auth/`.
 */
import type { SipHeader, SipResponse } from '../message/types.js';
import { getHeaders } from '../message/headers.js';
import type { DigestChallenge } from '../auth/digest.js';
import { chooseChallenge, credentialsHeaderName, parseChallenge } from '../auth/digest.js';
import { DigestClient } from '../auth/digest-client.js';

/**
 * How a 401/407 relates to what we sent: `new` (a fresh nonce: answer it), `stale`
 * (stale=true: our nonce expired, answer without counting a failure, RFC 7616 §3.3),
 * `none` (no digest challenge we can answer).
 */
export type ChallengeVerdict = 'new' | 'stale' | 'none';

/** Per-registration digest state. */
export interface DigestSession {
  /** Record the challenge of a 401/407 (RFC 3261 §22.2, §22.3). */
  onChallenge(res: SipResponse): ChallengeVerdict;
  /** Credentials headers for the next request (empty before any challenge). */
  authorization(method: string, uri: string, body?: Buffer): SipHeader[];
}

/** Create a digest session for `username` / `password`. */
export function createDigestSession(username: string, password: string): DigestSession {
  const client = new DigestClient({ username, password });
  const challenges = new Map<'Authorization' | 'Proxy-Authorization', DigestChallenge>();
  return {
    onChallenge(res) {
      const source = res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
      const parsed: DigestChallenge[] = [];
      for (const v of getHeaders(res, source)) {
        const c = parseChallenge(v);
        if (c) parsed.push(c);
      }
      const chosen = chooseChallenge(parsed);
      if (!chosen || chosen.algorithm === undefined) return 'none';
      const name = credentialsHeaderName(res.status);
      const previous = challenges.get(name);
      if (previous) client.forget(previous.nonce);
      challenges.set(name, chosen);
      return chosen.stale ? 'stale' : 'new';
    },
    authorization(method, uri, body) {
      const out: SipHeader[] = [];
      for (const [name, challenge] of challenges) {
        const value = client.authorize(challenge, method, uri, body);
        if (value !== undefined) out.push({ name, value });
      }
      return out;
    },
  };
}
