/** Via header values (RFC 3261 §20.42, grammar §25.1 `via-parm`). */
import { splitHeaderList } from './headers.js';
import { formatParams, parseParamsAt, skipWs } from './params.js';
import { isToken } from './token.js';
import type { Via } from './types.js';
import { formatHost, isValidHost } from './uri.js';

function readToken(s: string, i: number): { tok: string; end: number } {
  const start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x2f || c === 0x3a || c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
    i++;
  }
  return { tok: s.slice(start, i), end: i };
}

function parseOneVia(s: string): Via | undefined {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport (SLASH = SWS "/" SWS)
  let r = readToken(s, skipWs(s, 0));
  const name = r.tok;
  let i = skipWs(s, r.end);
  if (s.charCodeAt(i) !== 0x2f) return undefined;
  r = readToken(s, skipWs(s, i + 1));
  const version = r.tok;
  i = skipWs(s, r.end);
  if (s.charCodeAt(i) !== 0x2f) return undefined;
  r = readToken(s, skipWs(s, i + 1));
  const transport = r.tok;
  if (!isToken(name) || !isToken(version) || !isToken(transport)) return undefined;
  const afterProto = r.end;
  i = skipWs(s, afterProto);
  if (i === afterProto) return undefined; // LWS required before sent-by
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) return undefined;
    host = s.slice(i + 1, close);
    if (!host.includes(':')) return undefined;
    i = close + 1;
  } else {
    r = readToken(s, i);
    host = r.tok;
    i = r.end;
  }
  if (!isValidHost(host)) return undefined;
  let port: number | undefined;
  let j = skipWs(s, i);
  if (s.charCodeAt(j) === 0x3a) {
    j = skipWs(s, j + 1);
    const start = j;
    while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
    if (j === start || j - start > 5) return undefined;
    port = +s.slice(start, j);
    if (port > 65535) return undefined;
    i = j;
  }
  const pr = parseParamsAt(s, i);
  if (pr === undefined || skipWs(s, pr.end) !== s.length) return undefined;
  return {
    protocol: `${name}/${version}`,
    transport: transport.toUpperCase(),
    host,
    port,
    params: pr.params,
  };
}

/**
 * Fast path for the usual shape, `SIP/2.0/UDP host[:port];name=value;flag`: no LWS,
 * quotes or commas. Undefined sends the caller to the full parser.
 */
function parseCanonicalVia(v: string): Via | undefined {
  if (!v.startsWith('SIP/2.0/')) return undefined;
  const sp = v.indexOf(' ', 8);
  if (sp < 0) return undefined;
  const transportRaw = v.slice(8, sp);
  let i = sp + 1;
  let hostEnd: number;
  let host: string;
  if (v.charCodeAt(i) === 0x5b) {
    hostEnd = v.indexOf(']', i);
    if (hostEnd < 0) return undefined;
    host = v.slice(i + 1, hostEnd);
    hostEnd++;
  } else {
    hostEnd = i;
    while (hostEnd < v.length) {
      const c = v.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b) break;
      hostEnd++;
    }
    host = v.slice(i, hostEnd);
  }
  if (!isToken(transportRaw) || !isValidHost(host)) return undefined;
  i = hostEnd;
  let port: number | undefined;
  if (v.charCodeAt(i) === 0x3a) {
    let p = 0;
    const start = ++i;
    for (; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      p = p * 10 + c - 0x30;
    }
    if (i === start || i - start > 5 || p > 65535) return undefined;
    port = p;
  }
  const params = new Map<string, string | null>();
  while (i < v.length) {
    if (v.charCodeAt(i) !== 0x3b) return undefined;
    let end = v.indexOf(';', i + 1);
    if (end < 0) end = v.length;
    const eq = v.indexOf('=', i + 1);
    const nameEnd = eq < 0 || eq > end ? end : eq;
    const name = v.slice(i + 1, nameEnd);
    const value = nameEnd === end ? null : v.slice(eq + 1, end);
    if (!isToken(name) || (value !== null && !isParamValue(value))) return undefined;
    params.set(name.toLowerCase(), value);
    i = end;
  }
  const transport =
    transportRaw === 'UDP' || transportRaw === 'TCP' || transportRaw === 'TLS'
      ? transportRaw
      : transportRaw.toUpperCase();
  return { protocol: 'SIP/2.0', transport, host, port, params };
}

/** A token, host or IPv6 reference value without LWS, quotes or commas. */
function isParamValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x22 || c === 0x2c || c >= 0x7f) return false;
  }
  return true;
}

/**
 * Parse a Via header value; one line may hold several comma-separated via-parms
 * (RFC 3261 §7.3.1). LWS around `/`, `:`, `;` and `=` is accepted. IPv6 sent-by hosts
 * are returned without brackets. Returns an empty array when any element is malformed.
 */
export function parseVia(value: string): Via[] {
  const fast = parseCanonicalVia(value);
  if (fast !== undefined) return [fast];
  const out: Via[] = [];
  for (const part of splitHeaderList(value)) {
    const v = parseOneVia(part);
    if (v === undefined) return [];
    out.push(v);
  }
  return out;
}

/** Format one Via value: `SIP/2.0/UDP host:port;branch=...` (IPv6 host bracketed). */
export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.transport} ${formatHost(via.host)}${port}${formatParams(via.params)}`;
}
