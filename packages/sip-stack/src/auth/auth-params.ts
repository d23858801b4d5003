/**
 * `auth-param` lists of HTTP/SIP authentication headers (RFC 7235 §2.1, RFC 3261 §25.1
 * `challenge` / `credentials`): `Scheme name=token, name="quoted", ...`. Never throws.
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

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** End of a token-ish word at i (stops at whitespace, `,` and `=`). */
function wordEnd(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isWs(c) || c === 0x2c || c === 0x3d) break;
    i++;
  }
  return i;
}

/** Read a quoted string at s[i] === '"'; undefined when unterminated. */
function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let v = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c && j + 1 < s.length) v += s.charAt(++j);
    else if (c === 0x22) return { value: v, end: j + 1 };
    else v += s.charAt(j);
  }
  return undefined;
}

/** Parse one challenge/credentials starting at i; stops before the next scheme. */
function parseOne(s: string, i: number): { auth: AuthParams; end: number } | undefined {
  while (i < s.length && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
  const schemeEnd = wordEnd(s, i);
  const scheme = s.slice(i, schemeEnd);
  if (scheme === '' || s.charCodeAt(schemeEnd) === 0x3d) return undefined;
  const params = new Map<string, string>();
  i = schemeEnd;
  for (;;) {
    const before = i;
    while (i < s.length && (isWs(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2c)) i++;
    if (i >= s.length) return { auth: { scheme, params }, end: i };
    const nameEnd = wordEnd(s, i);
    const eq = skipWs(s, nameEnd);
    if (s.charCodeAt(eq) !== 0x3d) {
      // RFC 7235 §4.1: a token not followed by "=" starts the next challenge.
      if (params.size > 0 && nameEnd > i) return { auth: { scheme, params }, end: before };
      return undefined;
    }
    const name = s.slice(i, nameEnd).toLowerCase();
    if (name === '') return undefined;
    i = skipWs(s, eq + 1);
    let value: string;
    if (s.charCodeAt(i) === 0x22) {
      const q = readQuoted(s, i);
      if (q === undefined) return undefined;
      value = q.value;
      i = q.end;
    } else {
      const end = wordEnd(s, i);
      value = s.slice(i, end);
      i = end;
    }
    if (!params.has(name)) params.set(name, value);
    i = skipWs(s, i);
    if (i < s.length && s.charCodeAt(i) !== 0x2c) return undefined;
  }
}

/**
 * Parse `Scheme p1=v1, p2="v2"` (the first challenge of the value). Undefined when the
 * scheme is missing or a parameter is malformed (unterminated quote, missing `=`).
 * Duplicate names keep the first value.
 */
export function parseAuthParams(value: string): AuthParams | undefined {
  return parseOne(value, 0)?.auth;
}

/**
 * Parse every challenge of a header value that holds several, e.g.
 * `Digest realm="a", nonce="1", Digest realm="a", nonce="2", algorithm=SHA-256`
 * (RFC 7235 §4.1). Stops at the first malformed one.
 */
export function parseAuthChallenges(value: string): AuthParams[] {
  const out: AuthParams[] = [];
  let i = 0;
  while (/[^\s,]/.test(value.slice(i))) {
    const r = parseOne(value, i);
    if (r === undefined) break;
    out.push(r.auth);
    i = r.end;
  }
  return out;
}
