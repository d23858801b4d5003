/**
 * Request and response construction (RFC 3261 §8.1.1, §8.2.6) and identifier generation.
 */
import { canonicalHeaderName } from './header-names.js';
import { getHeader } from './headers.js';
import { parseNameAddr } from './name-addr.js';
import { randomHex } from './random-pool.js';
import { reasonPhrase } from './status-codes.js';
import type { SipHeader, SipRequest, SipResponse } from './types.js';

export { reasonPhrase } from './status-codes.js';

/** The magic cookie that starts every RFC 3261 branch (RFC 3261 §8.1.1.7). */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

const EMPTY = Buffer.alloc(0);

/** Options of {@link createResponse}. */
export interface CreateResponseOptions {
  /** Reason phrase; default from {@link reasonPhrase}. */
  readonly reason?: string;
  /** To tag to add when the request's To has none (ignored for 100, RFC 3261 §8.2.6.2). */
  readonly toTag?: string;
  /** Extra headers appended after the copied ones (Contact, Record-Route, Allow, ...). */
  readonly headers?: readonly SipHeader[];
  /** Body; default empty. */
  readonly body?: Buffer;
  /** Content-Type written when a non-empty body is given and no Content-Type header is. */
  readonly contentType?: string;
}

function hasTag(to: string): boolean {
  const na = parseNameAddr(to);
  return na !== undefined ? na.params.has('tag') : /;\s*tag\s*=/i.test(to);
}

/**
 * Build a response to `req` (RFC 3261 §8.2.6.2): Via lines copied in order, then From,
 * To (with `toTag` added when it has no tag and status is not 100), Call-ID, CSeq; a 100
 * also copies Timestamp (§8.2.6.1). Record-Route is not copied: pass it in `headers`
 * for 18x/2xx to dialog-creating requests (§12.1.1).
 */
export function createResponse(
  req: SipRequest,
  status: number,
  opts: CreateResponseOptions = {},
): SipResponse {
  const headers: SipHeader[] = [];
  for (const h of req.headers) if (canonicalHeaderName(h.name) === 'Via') headers.push(h);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    let value = getHeader(req, name);
    if (value === undefined) continue;
    if (name === 'To' && status !== 100 && opts.toTag !== undefined && !hasTag(value)) {
      value = `${value};tag=${opts.toTag}`;
    }
    headers.push({ name, value });
  }
  if (status === 100) {
    const ts = getHeader(req, 'Timestamp');
    if (ts !== undefined) headers.push({ name: 'Timestamp', value: ts });
  }
  addExtra(headers, opts.headers, opts.body, opts.contentType);
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: opts.reason ?? reasonPhrase(status),
    headers,
    body: opts.body ?? EMPTY,
  };
}

function addExtra(
  headers: SipHeader[],
  extra: readonly SipHeader[] | undefined,
  body: Buffer | undefined,
  contentType: string | undefined,
): void {
  if (extra !== undefined) {
    for (const h of extra) headers.push({ name: canonicalHeaderName(h.name), value: h.value });
  }
  if (body !== undefined && body.length > 0 && contentType !== undefined) {
    if (getHeader(headers, 'Content-Type') === undefined)
      headers.push({ name: 'Content-Type', value: contentType });
  }
}

/** Options of {@link createRequest}. */
export interface CreateRequestOptions {
  /** Method token, e.g. `INVITE`. */
  readonly method: string;
  /** Request-URI text. */
  readonly uri: string;
  /** Headers in order (names are canonicalised). */
  readonly headers: readonly SipHeader[];
  /** Body; default empty. */
  readonly body?: Buffer;
  /** Content-Type written when a non-empty body is given and no Content-Type header is. */
  readonly contentType?: string;
}

/**
 * Build a request from parts. Adds `Max-Forwards: 70` when absent (RFC 3261 §8.1.1.6).
 * Content-Length is written by the serializer.
 */
export function createRequest(opts: CreateRequestOptions): SipRequest {
  const headers: SipHeader[] = [];
  addExtra(headers, opts.headers, opts.body, opts.contentType);
  if (getHeader(headers, 'Max-Forwards') === undefined) {
    const at = headers.findIndex((h) => h.name === 'Via');
    let after = at;
    while (after >= 0 && headers[after + 1]?.name === 'Via') after++;
    headers.splice(after + 1, 0, { name: 'Max-Forwards', value: '70' });
  }
  return {
    kind: 'request',
    method: opts.method,
    uri: opts.uri,
    version: 'SIP/2.0',
    headers,
    body: opts.body ?? EMPTY,
  };
}

/** A new branch: `z9hG4bK` + 80 random bits in hex (RFC 3261 §8.1.1.7). */
export function generateBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomHex(10);
}

/** A new From/To tag: 64 random bits in hex (RFC 3261 §19.3 asks for at least 32). */
export function generateTag(): string {
  return randomHex(8);
}

/** A new Call-ID: 128 random bits in hex, `@host` appended when given (RFC 3261 §8.1.1.4). */
export function generateCallId(host?: string): string {
  const id = randomHex(16);
  return host === undefined || host === '' ? id : `${id}@${host}`;
}
