/** URI equivalence (RFC 3261 §19.1.4; RFC 3966 §4 for tel). */
import type { OtherUri, SipParams, SipUri, TelUri, Uri } from './types.js';
import { parseUri } from './uri.js';

/** Parameters that, present in either URI, must be present and equal in both (§19.1.4). */
const STRICT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

function lower(v: string | null | undefined): string | null | undefined {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

function paramsEqual(a: SipParams, b: SipParams, strict: readonly string[] | 'all'): boolean {
  if (strict === 'all') {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || lower(b.get(k)) !== lower(v)) return false;
    return true;
  }
  for (const k of strict) if (a.has(k) !== b.has(k)) return false;
  // Parameters present in both must match; others are ignored.
  for (const [k, v] of a) if (b.has(k) && lower(b.get(k)) !== lower(v)) return false;
  return true;
}

function sipEquals(a: SipUri, b: SipUri): boolean {
  // RFC 3261 §19.1.4: sip and sips never match; userinfo case-sensitive (escapes decoded);
  // host case-insensitive; an absent port does not match an explicit 5060.
  if (a.scheme !== b.scheme || a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  if (!paramsEqual(a.params, b.params, STRICT_PARAMS)) return false;
  // URI header components are never ignored.
  if (a.headers.size !== b.headers.size) return false;
  const bh = new Map<string, string>();
  for (const [k, v] of b.headers) bh.set(k.toLowerCase(), v);
  for (const [k, v] of a.headers) if (bh.get(k.toLowerCase()) !== v) return false;
  return true;
}

function telEquals(a: TelUri, b: TelUri): boolean {
  // RFC 3966 §4: visual separators are ignored; parameters compared as sets.
  const norm = (n: string): string => n.replace(/[-.()]/g, '').toLowerCase();
  return norm(a.number) === norm(b.number) && paramsEqual(a.params, b.params, 'all');
}

/**
 * True when two URIs are equivalent under RFC 3261 §19.1.4 (sip/sips), RFC 3966 §4
 * (tel), or case-insensitive text equality for other schemes. Strings are parsed first;
 * an unparsable string only equals an identical string.
 */
export function uriEquals(a: Uri | string, b: Uri | string): boolean {
  const ua = typeof a === 'string' ? parseUri(a) : a;
  const ub = typeof b === 'string' ? parseUri(b) : b;
  if (ua === undefined || ub === undefined) return typeof a === 'string' && a === b;
  if (ua.scheme !== ub.scheme) return false;
  if (ua.scheme === 'sip' || ua.scheme === 'sips') return sipEquals(ua as SipUri, ub as SipUri);
  if (ua.scheme === 'tel') return telEquals(ua as TelUri, ub as TelUri);
  return (ua as OtherUri).raw.toLowerCase() === (ub as OtherUri).raw.toLowerCase();
}
