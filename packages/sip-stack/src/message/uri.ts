/**
 * URIs: `sip:` / `sips:` (RFC 3261 §19.1, §25.1), `tel:` (RFC 3966), other absolute URIs.
 * Parsing never throws; malformed input yields undefined.
 */
import type { OtherUri, SipParams, SipUri, TelUri, Uri } from './types.js';

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

/** Decode %HH escapes (UTF-8); undefined on a malformed escape. */
export function percentDecode(s: string): string | undefined {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s.charAt(i), 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** %-escape every byte of `s` (as UTF-8) that is not in `safe` or alphanumeric. */
export function percentEncode(s: string, safe: string): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9]$/.test(ch) || safe.includes(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// RFC 3261 §25.1 character classes beyond alphanum.
const MARK = "-_.!~*'()";
const USER_SAFE = MARK + '&=+$,;?/';
const PASSWORD_SAFE = MARK + '&=+$,';
const PARAM_SAFE = MARK + '[]/:&+$';
const HEADER_SAFE = MARK + '[]/?:+$';

/** True when `host` is a valid hostname, IPv4 literal or (unbracketed) IPv6 reference. */
export function isValidHost(host: string): boolean {
  if (host.includes(':')) return IPV6_RE.test(host) && isIpv6(host);
  // RFC 3261 §25.1 hostname: labels of alphanum and inner "-", optional trailing ".".
  const n = host.length;
  let labelStart = true;
  let prev = 0;
  let numeric = true;
  for (let i = 0; i < n; i++) {
    const c = host.charCodeAt(i);
    if (c === 0x2e) {
      if (labelStart || prev === 0x2d) return false;
      labelStart = true;
    } else if (c >= 0x30 && c <= 0x39) {
      labelStart = false;
    } else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) {
      labelStart = false;
      numeric = false;
    } else if (c === 0x2d && !labelStart) {
      numeric = false;
    } else {
      return false;
    }
    prev = c;
  }
  if (n === 0 || prev === 0x2d || (labelStart && n < 2)) return false;
  // All digits and dots: only a well-formed IPv4 literal qualifies.
  return !numeric || IPV4_RE.test(host);
}

function isIpv6(h: string): boolean {
  // RFC 4291 §2.2 text forms, optionally ending in an IPv4 dotted quad.
  let s = h;
  if (h.includes('.')) {
    const lastColon = h.lastIndexOf(':');
    if (!IPV4_RE.test(h.slice(lastColon + 1))) return false;
    s = h.slice(0, lastColon + 1) + '0:0';
  }
  const hex = (p: string): boolean => /^[0-9A-Fa-f]{1,4}$/.test(p);
  const dbl = s.indexOf('::');
  if (dbl < 0) {
    const parts = s.split(':');
    return parts.length === 8 && parts.every(hex);
  }
  if (s.indexOf('::', dbl + 1) >= 0) return false;
  const left = s.slice(0, dbl);
  const right = s.slice(dbl + 2);
  const lp = left === '' ? [] : left.split(':');
  const rp = right === '' ? [] : right.split(':');
  return lp.every(hex) && rp.every(hex) && lp.length + rp.length <= 7;
}

/**
 * Parse `host[:port]` where host may be `[IPv6]`. The returned host is without brackets.
 * Undefined when malformed or when the port is outside 0..65535.
 */
export function parseHostPort(text: string): { host: string; port?: number | undefined } | undefined {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    host = text.slice(1, close);
    if (!host.includes(':') || !isValidHost(host)) return undefined;
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
    // RFC 5118 §4.10: an unbracketed IPv6 reference is not a valid SIP host.
    if (host.includes(':') || !isValidHost(host)) return undefined;
  }
  if (rest === '') return { host };
  if (!/^:\d{1,5}$/.test(rest)) return undefined;
  const port = +rest.slice(1);
  return port <= 65535 ? { host, port } : undefined;
}

function parseUriParams(text: string): SipParams | undefined {
  const params: SipParams = new Map();
  if (text === '') return params;
  for (const part of text.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? null : percentDecode(part.slice(eq + 1));
    if (name === undefined || name === '' || value === undefined) return undefined;
    params.set(name.toLowerCase(), value);
  }
  return params;
}

function parseSipUri(scheme: 'sip' | 'sips', text: string): SipUri | undefined {
  // RFC 3261 §19.1.1: sip:user:password@host:port;uri-parameters?headers
  if (/[\s<>"]/.test(text)) return undefined;
  let rest = text;
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) {
      password = percentDecode(userinfo.slice(colon + 1));
      if (password === undefined) return undefined;
    }
    if (user === undefined || user === '') return undefined;
  }
  const q = rest.indexOf('?');
  const headerText = q < 0 ? '' : rest.slice(q + 1);
  if (q >= 0) rest = rest.slice(0, q);
  const semi = rest.indexOf(';');
  const hostport = parseHostPort(semi < 0 ? rest : rest.slice(0, semi));
  if (hostport === undefined) return undefined;
  const params = parseUriParams(semi < 0 ? '' : rest.slice(semi + 1));
  if (params === undefined) return undefined;
  const headers = new Map<string, string>();
  if (headerText !== '') {
    for (const part of headerText.split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return undefined;
      const k = percentDecode(part.slice(0, eq));
      const v = percentDecode(part.slice(eq + 1));
      if (k === undefined || v === undefined) return undefined;
      headers.set(k, v);
    }
  }
  return { scheme, user, password, host: hostport.host, port: hostport.port, params, headers };
}

function parseTelUri(text: string): TelUri | undefined {
  // RFC 3966 §3: telephone-subscriber = global-number / local-number, then ;par
  const semi = text.indexOf(';');
  const number = semi < 0 ? text : text.slice(0, semi);
  if (!/^\+?[0-9A-Fa-f*#.()-]+$/.test(number) || !/[0-9A-Fa-f*#]/.test(number)) return undefined;
  const params = parseUriParams(semi < 0 ? '' : text.slice(semi + 1));
  return params === undefined ? undefined : { scheme: 'tel', number, params };
}

/**
 * Parse a URI. `sip:`/`sips:` give a {@link SipUri} (user/password/headers %-decoded,
 * IPv6 host without brackets), `tel:` a {@link TelUri}, any other syntactically valid
 * scheme an {@link OtherUri}. Scheme matching is case-insensitive (RFC 3261 §19.1.4).
 * Undefined for malformed input.
 */
export function parseUri(text: string): Uri | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const rawScheme = text.slice(0, colon);
  if (!SCHEME_RE.test(rawScheme)) return undefined;
  const scheme = rawScheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  if (rest === '' || /\s/.test(rest)) return undefined;
  const other: OtherUri = { scheme, raw: text };
  return other;
}

/** True for a parsed `sip:`/`sips:` URI. */
export function isSipUri(uri: Uri | undefined): uri is SipUri {
  return uri !== undefined && (uri.scheme === 'sip' || uri.scheme === 'sips');
}

/** True for a parsed `tel:` URI. */
export function isTelUri(uri: Uri | undefined): uri is TelUri {
  return uri !== undefined && uri.scheme === 'tel';
}

/** Format a host for a URI or Via: IPv6 references get their brackets back. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Format a URI; escapes user, password, params and headers as RFC 3261 §25.1 requires. */
export function formatUri(uri: Uri): string {
  if (uri.scheme === 'sip' || uri.scheme === 'sips') {
    const u = uri as SipUri;
    let out = `${u.scheme}:`;
    if (u.user !== undefined) {
      out += percentEncode(u.user, USER_SAFE);
      if (u.password !== undefined) out += `:${percentEncode(u.password, PASSWORD_SAFE)}`;
      out += '@';
    }
    out += formatHost(u.host);
    if (u.port !== undefined) out += `:${u.port}`;
    for (const [k, v] of u.params) {
      out += `;${percentEncode(k, PARAM_SAFE)}`;
      if (v !== null) out += `=${percentEncode(v, PARAM_SAFE)}`;
    }
    let sep = '?';
    for (const [k, v] of u.headers) {
      out += `${sep}${percentEncode(k, HEADER_SAFE)}=${percentEncode(v, HEADER_SAFE)}`;
      sep = '&';
    }
    return out;
  }
  if (uri.scheme === 'tel') {
    const t = uri as TelUri;
    let out = `tel:${t.number}`;
    for (const [k, v] of t.params) out += v === null ? `;${k}` : `;${k}=${v}`;
    return out;
  }
  return (uri as OtherUri).raw;
}
