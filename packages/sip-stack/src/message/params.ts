/**
 * Generic parameters (`;name=value` / `;flag`) and quoted strings (RFC 3261 §25.1,
 * `generic-param`, `quoted-string`), with LWS allowed around `;` and `=` (SEMI, EQUAL).
 */
import type { SipParams } from './types.js';

/** True for SP / HT / CR / LF. */
export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Index of the first non-whitespace character at or after `i`. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Read a quoted string starting at `s[i] === '"'`. Returns the unescaped content and the
 * index after the closing quote, or undefined when it is unterminated (RFC 4475 quotbal).
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = '';
  let j = i + 1;
  let chunk = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x5c /* \ quoted-pair */) {
      if (j + 1 >= s.length) return undefined;
      out += s.slice(chunk, j) + s.charAt(j + 1);
      j += 2;
      chunk = j;
    } else if (c === 0x22) {
      return { value: out + s.slice(chunk, j), end: j + 1 };
    } else {
      j++;
    }
  }
  return undefined;
}

/** Remove surrounding double quotes and `\` escapes; other text is returned unchanged. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.charCodeAt(0) === 0x22) {
    const q = readQuoted(value, 0);
    if (q !== undefined && q.end === value.length) return q.value;
  }
  return value;
}

/** Quote `text` as a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Parse parameters starting at `s[i]` (which should be `;` or whitespace before it).
 * Stops at end of input, at an unquoted `,`, or at any character in `stop`. Names are
 * lower-cased; quoted values keep their quotes (use {@link unquote}); flags map to null.
 * Returns undefined on malformed input (empty name, unterminated quote).
 */
export function parseParamsAt(
  s: string,
  i: number,
  stop = '',
): { params: SipParams; end: number } | undefined {
  const params: SipParams = new Map();
  const n = s.length;
  const hasStop = stop !== '';
  for (;;) {
    i = skipWs(s, i);
    if (i >= n || s.charCodeAt(i) !== 0x3b /* ; */) return { params, end: i };
    i = skipWs(s, i + 1);
    const nameStart = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3d || c === 0x3b || c === 0x2c || isWs(c) || (hasStop && stop.includes(s.charAt(i)))) break;
      i++;
    }
    const name = s.slice(nameStart, i).toLowerCase();
    if (name === '') return undefined;
    let j = skipWs(s, i);
    if (j < n && s.charCodeAt(j) === 0x3d /* = */) {
      j = skipWs(s, j + 1);
      if (j < n && s.charCodeAt(j) === 0x22) {
        const q = readQuoted(s, j);
        if (q === undefined) return undefined;
        params.set(name, s.slice(j, q.end));
        i = q.end;
      } else {
        const vStart = j;
        while (j < n) {
          const c = s.charCodeAt(j);
          if (c === 0x3b || c === 0x2c || isWs(c) || (hasStop && stop.includes(s.charAt(j)))) break;
          j++;
        }
        params.set(name, s.slice(vStart, j));
        i = j;
      }
    } else {
      params.set(name, null);
    }
  }
}

/**
 * Parse a parameter list such as `;tag=abc;lr` (leading `;` optional, LWS tolerated).
 * Returns an empty map on malformed input.
 */
export function parseParams(text: string): SipParams {
  const t = text.trimStart();
  const r = parseParamsAt(t.startsWith(';') ? t : `;${t}`, 0);
  return r?.params ?? new Map();
}

/** Format parameters as `;name=value;flag` (values written as stored). */
export function formatParams(params: SipParams): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
