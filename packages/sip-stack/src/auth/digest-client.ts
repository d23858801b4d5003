/** Nonce-count bookkeeping for a digest client (RFC 7616 §3.4: nc increments per nonce). */
import { buildAuthorization, type DigestChallenge, generateCnonce } from './digest.js';

/** Options of {@link DigestClient}. */
export interface DigestClientOptions {
  readonly username: string;
  readonly password: string;
  /** Client nonce source; default 96 random bits in hex. */
  readonly cnonce?: () => string;
  /** How many nonces to remember; default 16 (oldest forgotten first). */
  readonly maxNonces?: number;
}

/**
 * Answers digest challenges for one set of credentials, counting uses of each nonce so
 * that a re-used nonce (pre-emptive credentials on REGISTER refresh) gets nc=2, 3, ...
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();
  private readonly opts: DigestClientOptions;

  constructor(opts: DigestClientOptions) {
    this.opts = opts;
  }

  /** Next nonce count for `nonce` (1 on first use). */
  nextNc(nonce: string): number {
    const nc = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.delete(nonce);
    this.counts.set(nonce, nc);
    const max = this.opts.maxNonces ?? 16;
    while (this.counts.size > max) this.counts.delete(this.counts.keys().next().value as string);
    return nc;
  }

  /** Forget a nonce (e.g. after `stale=true` or a fresh challenge). */
  forget(nonce: string): void {
    this.counts.delete(nonce);
  }

  /**
   * Build the credentials value for a request. Undefined when the challenge's algorithm
   * is unsupported.
   */
  authorize(challenge: DigestChallenge, method: string, uri: string, body?: Buffer): string | undefined {
    if (challenge.algorithm === undefined) return undefined;
    return buildAuthorization({
      challenge,
      username: this.opts.username,
      password: this.opts.password,
      method,
      uri,
      body,
      nc: this.nextNc(challenge.nonce),
      cnonce: (this.opts.cnonce ?? generateCnonce)(),
    });
  }
}
