/**
 * `auth-param` lists of HTTP/SIP authentication headers (RFC 7235 §2.1, RFC 3261 §25.1
 * `digest-cln`): `Scheme name=token, name="quoted", ...`. Never throws.
 */

/** A parsed credentials/challenge value: scheme and parameters (names lower-cased). */
export interface AuthParams {
  /** Auth scheme as written, e.g. `Digest`. */
  readonly scheme: string;
  /** Parameter values, unquoted and unescaped; names lower-cased. */
  readonly params: Map<string, string>;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Parse `Scheme p1=v1, p2="v2"`. Undefined when the scheme is missing or a parameter is
 * malformed (unterminated quote, missing `=`). Duplicate names keep the first value.
 */
export function parseAuthParams(value: string): AuthParams | undefined {
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  const schemeStart = i;
  while (i < n && !isWs(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x2c) i++;
  const scheme = s.slice(schemeStart, i);
  if (scheme === '' || scheme.includes('=')) return undefined;
  const params = new Map<string, string>();
  for (;;) {
    while (i < n && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
    if (i >= n) return { scheme, params };
    const nameStart = i;
    while (i < n && s.charCodeAt(i) !== 0x3d && !isWs(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x2c) i++;
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (name === '' || s.charCodeAt(i) !== 0x3d) return undefined;
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let v = '';
    if (s.charCodeAt(i) === 0x22) {
      i++;
      let closed = false;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 0x5c && i + 1 < n) {
          v += s.charAt(i + 1);
          i += 2;
        } else if (c === 0x22) {
          closed = true;
          i++;
          break;
        } else {
          v += s.charAt(i);
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const vStart = i;
      while (i < n && s.charCodeAt(i) !== 0x2c && !isWs(s.charCodeAt(i))) i++;
      v = s.slice(vStart, i);
    }
    if (!params.has(name)) params.set(name, v);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) !== 0x2c) return undefined;
  }
}
