/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10 Contact, §20.20 From,
 * §20.39 To, §20.34 Route, §20.30 Record-Route; grammar in §25.1).
 */
import { splitHeaderList } from './headers.js';
import { formatParams, parseParamsAt, quote, readQuoted, skipWs } from './params.js';
import { isTokenChar } from './token.js';
import type { NameAddr } from './types.js';

/**
 * Parse one `name-addr` (`"Display" <uri>;params` or `Display Words <uri>;params`) or
 * `addr-spec` (`uri;params`: the params then belong to the header, RFC 3261 §20.10).
 * Quoted display names are unescaped; unquoted ones must be tokens separated by LWS
 * (RFC 4475 baddn). An addr-spec holding `,` `?` or whitespace is rejected (RFC 3261
 * §20: such URIs MUST be enclosed in `<>`; RFC 4475 regbadct). Undefined when malformed.
 */
export function parseNameAddr(value: string): NameAddr | undefined {
  const s = value;
  let i = skipWs(s, 0);
  const n = s.length;
  if (i >= n) return undefined;
  let displayName: string | undefined;
  let uri: string;
  if (s.charCodeAt(i) === 0x22) {
    const q = readQuoted(s, i);
    if (q === undefined) return undefined;
    displayName = q.value;
    i = skipWs(s, q.end);
    if (s.charCodeAt(i) !== 0x3c) return undefined;
  }
  const lt = s.indexOf('<', i);
  if (s.charCodeAt(i) === 0x3c || (displayName === undefined && lt > 0)) {
    if (displayName === undefined && lt > i) {
      // RFC 3261 §25.1: display-name = *(token LWS); anything else must be quoted (RFC 4475 baddn).
      for (let j = i; j < lt; j++) {
        const c = s.charCodeAt(j);
        if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a && !isTokenChar(c)) return undefined;
      }
      displayName = s.slice(i, lt).trim();
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return undefined;
    uri = s.slice(lt + 1, gt);
    if (uri === '') return undefined;
    i = gt + 1;
  } else {
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
      i++;
    }
    uri = s.slice(start, i);
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) || /[,?>"]/.test(uri)) return undefined;
  }
  const r = parseParamsAt(s, i);
  if (r === undefined || skipWs(s, r.end) !== n) return undefined;
  return { displayName, uri, params: r.params };
}

/**
 * Parse a comma-separated list of name-addrs (Route, Record-Route, Contact, ...).
 * Undefined when any element is malformed or the value is `*`.
 */
export function parseNameAddrList(value: string): NameAddr[] | undefined {
  const out: NameAddr[] = [];
  for (const part of splitHeaderList(value)) {
    const na = parseNameAddr(part);
    if (na === undefined) return undefined;
    out.push(na);
  }
  return out;
}

/**
 * Parse a Contact value: the wildcard `*` (RFC 3261 §10.2.2, REGISTER only) or a list.
 * Undefined when malformed.
 */
export function parseContacts(value: string): NameAddr[] | '*' | undefined {
  return value.trim() === '*' ? '*' : parseNameAddrList(value);
}

/** Format as `"Display" <uri>;params` (display name quoted when present). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName === undefined ? '' : `${quote(na.displayName)} `;
  return `${dn}<${na.uri}>${formatParams(na.params)}`;
}
