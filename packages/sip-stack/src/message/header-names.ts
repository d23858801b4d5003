/**
 * Header names: compact forms and canonical capitalisation (RFC 3261 §7.3.3, §20).
 *
 * Names are case-insensitive (RFC 3261 §7.3.1); we store the canonical long form so
 * that `===` comparisons on `SipHeader.name` work for every known header.
 */
import { isToken } from './token.js';

/** Canonical long names of the headers we know, in their usual capitalisation. */
const KNOWN_NAMES: readonly string[] = [
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Resource-Priority',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'Flow-Timer',
  'From',
  'History-Info',
  'Identity',
  'In-Reply-To',
  'Join',
  'Max-Forwards',
  'MIME-Version',
  'Min-Expires',
  'Min-SE',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Path',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-Sub',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Replaces',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Resource-Priority',
  'Retry-After',
  'Route',
  'RSeq',
  'Security-Client',
  'Security-Server',
  'Security-Verify',
  'Server',
  'Service-Route',
  'Session-Expires',
  'SIP-ETag',
  'SIP-If-Match',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
];

/**
 * Compact forms (RFC 3261 §7.3.3 and the IANA "Header Fields" registry: RFC 3265 `o`/`u`,
 * RFC 3515 `r`, RFC 3892 `b`, RFC 3841 `a`/`j`/`d`, RFC 4028 `x`, RFC 4474 `y`/`n`).
 */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** lower-case name (long or compact) -> canonical name. */
const BY_LOWER = new Map<string, string>();
for (const n of KNOWN_NAMES) BY_LOWER.set(n.toLowerCase(), n);
BY_LOWER.set('identity-info', 'Identity-Info');
for (const [k, v] of Object.entries(COMPACT_FORMS)) BY_LOWER.set(k, v);

/**
 * Exact spelling -> canonical name. A hot cache that avoids `toLowerCase()` for names
 * already seen; bounded so hostile input cannot grow it without limit.
 */
const CACHE = new Map<string, string>();
const CACHE_LIMIT = 2048;
for (const [lower, canonical] of BY_LOWER) {
  CACHE.set(lower, canonical);
  CACHE.set(canonical, canonical);
}

/** Spellings by length: [spelling, canonical], canonical spellings first (hot path). */
const BY_LENGTH: Array<Array<readonly [string, string]>> = [];
function addSpelling(spelling: string, canonical: string): void {
  (BY_LENGTH[spelling.length] ??= []).push([spelling, canonical]);
}
for (const n of KNOWN_NAMES) addSpelling(n, n);
for (const n of KNOWN_NAMES) if (n.toLowerCase() !== n) addSpelling(n.toLowerCase(), n);
for (const [k, v] of Object.entries(COMPACT_FORMS)) {
  addSpelling(k, v);
  addSpelling(k.toUpperCase(), v);
}

/**
 * Canonical name when `s.slice(start, end)` is a known name in canonical, lower-case or
 * compact spelling; undefined otherwise. Allocation-free (no slice, no hashing).
 */
export function matchHeaderName(s: string, start: number, end: number): string | undefined {
  const list = BY_LENGTH[end - start];
  if (list === undefined) return undefined;
  for (const [spelling, canonical] of list) if (s.startsWith(spelling, start)) return canonical;
  return undefined;
}

/**
 * Canonical form of a header name: compact forms expanded (RFC 3261 §7.3.3), known names
 * in canonical capitalisation (`call-id` -> `Call-ID`), unknown names returned unchanged.
 */
export function canonicalHeaderName(name: string): string {
  const hit = CACHE.get(name);
  if (hit !== undefined) return hit;
  const canonical = BY_LOWER.get(name.toLowerCase()) ?? name;
  // Only valid tokens are cached: the parser trusts cache hits as valid header names.
  if (CACHE.size < CACHE_LIMIT && isToken(name)) CACHE.set(name, canonical);
  return canonical;
}

/**
 * Headers whose values are comma-separated lists that may be split into several
 * lines and joined again (RFC 3261 §7.3.1). Lower-case canonical names.
 * Authorization-family headers, Date, and anything else with commas inside a single
 * value are deliberately absent.
 */
const LIST_HEADERS = new Set<string>([
  'accept',
  'accept-contact',
  'accept-encoding',
  'accept-language',
  'accept-resource-priority',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'history-info',
  'in-reply-to',
  'p-asserted-identity',
  'p-preferred-identity',
  'path',
  'privacy',
  'proxy-require',
  'reason',
  'record-route',
  'reject-contact',
  'request-disposition',
  'require',
  'resource-priority',
  'route',
  'security-client',
  'security-server',
  'security-verify',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

/** True when `name` (any case or compact form) is a comma-separable list header. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(canonicalHeaderName(name).toLowerCase());
}
