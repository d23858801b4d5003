/**
 * Header lookup and editing over `SipHeader[]` (RFC 3261 §7.3).
 *
 * Lookups are case-insensitive and accept compact forms (RFC 3261 §7.3.3). Editing
 * functions mutate the array in place (header objects themselves are immutable).
 */
import { canonicalHeaderName, isListHeader } from './header-names.js';
import type { SipHeader, SipMessage } from './types.js';

export { canonicalHeaderName, isListHeader } from './header-names.js';

function sameName(h: SipHeader, canonical: string): boolean {
  const n = h.name;
  if (n === canonical) return true;
  // Stored names are canonical for known headers; anything else keeps its spelling, so a
  // match is a compact form (length 1) or a case variant (same length), RFC 3261 §7.3.1.
  if (n.length === 1) return canonicalHeaderName(n) === canonical;
  return n.length === canonical.length && equalsIgnoreCase(n, canonical);
}

function equalsIgnoreCase(a: string, b: string): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 0x61 || lx > 0x7a) return false;
  }
  return true;
}

function headersOf(src: SipMessage | readonly SipHeader[]): readonly SipHeader[] {
  return Array.isArray(src) ? (src as readonly SipHeader[]) : (src as SipMessage).headers;
}

/**
 * First value of header `name` (case-insensitive, compact aliases accepted), exactly as
 * stored (a comma-joined line is returned whole). `undefined` when absent.
 */
export function getHeader(msg: SipMessage | readonly SipHeader[], name: string): string | undefined {
  const canonical = canonicalHeaderName(name);
  for (const h of headersOf(msg)) if (sameName(h, canonical)) return h.value;
  return undefined;
}

/**
 * All values of header `name`, in wire order. For comma-separable list headers (Via,
 * Route, Record-Route, Contact, Allow, Supported, Require, ...) each line is split at
 * top-level commas (outside quotes and `<>`), RFC 3261 §7.3.1. Other headers
 * (WWW-Authenticate, Authorization, Date, ...) are returned one entry per line.
 * Empty elements are dropped.
 */
export function getHeaders(msg: SipMessage | readonly SipHeader[], name: string): string[] {
  const canonical = canonicalHeaderName(name);
  const split = isListHeader(canonical);
  const out: string[] = [];
  for (const h of headersOf(msg)) {
    if (!sameName(h, canonical)) continue;
    if (split) {
      for (const v of splitHeaderList(h.value)) out.push(v);
    } else {
      out.push(h.value);
    }
  }
  return out;
}

/** True when at least one header `name` is present. */
export function hasHeader(msg: SipMessage | readonly SipHeader[], name: string): boolean {
  return getHeader(msg, name) !== undefined;
}

/** Number of header lines named `name` (not split at commas). */
export function countHeaders(msg: SipMessage | readonly SipHeader[], name: string): number {
  const canonical = canonicalHeaderName(name);
  let n = 0;
  for (const h of headersOf(msg)) if (sameName(h, canonical)) n++;
  return n;
}

/**
 * Split a header value at commas that are outside double quotes (with `\` escapes)
 * and outside `<...>`; elements are trimmed, empty ones dropped (RFC 3261 §7.3.1).
 */
export function splitHeaderList(value: string): string[] {
  if (!value.includes(',')) {
    const t = value.trim();
    return t === '' ? [] : [t];
  }
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inQuote = false;
    } else if (c === 0x22) {
      inQuote = true;
    } else if (inAngle) {
      if (c === 0x3e /* > */) inAngle = false;
    } else if (c === 0x3c /* < */) {
      inAngle = true;
    } else if (c === 0x2c /* , */) {
      const part = value.slice(start, i).trim();
      if (part !== '') out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

/**
 * Replace every header `name` with one line holding `value` (placed where the first
 * one was, or appended). Mutates `headers`; the stored name is canonical.
 */
export function setHeader(headers: SipHeader[], name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const at = headers.findIndex((h) => sameName(h, canonical));
  removeHeader(headers, canonical);
  const entry: SipHeader = { name: canonical, value };
  if (at < 0) headers.push(entry);
  else headers.splice(at, 0, entry);
}

/** Append a header line (canonical name). Mutates `headers`. */
export function addHeader(headers: SipHeader[], name: string, value: string): void {
  headers.push({ name: canonicalHeaderName(name), value });
}

/** Insert a header line before every other line (e.g. a new top Via). Mutates `headers`. */
export function prependHeader(headers: SipHeader[], name: string, value: string): void {
  const canonical = canonicalHeaderName(name);
  const at = headers.findIndex((h) => sameName(h, canonical));
  headers.splice(at < 0 ? 0 : at, 0, { name: canonical, value });
}

/** Remove every line of header `name`; returns how many were removed. Mutates `headers`. */
export function removeHeader(headers: SipHeader[], name: string): number {
  const canonical = canonicalHeaderName(name);
  let w = 0;
  const n = headers.length;
  for (let r = 0; r < n; r++) {
    const h = headers[r] as SipHeader;
    if (!sameName(h, canonical)) headers[w++] = h;
  }
  headers.length = w;
  return n - w;
}

/**
 * Remove the first element of a (possibly comma-joined) list header, e.g. the top Via
 * when a response goes upstream (RFC 3261 §18.1.2) or a Route entry. Returns the
 * removed element, or undefined when the header is absent. Mutates `headers`.
 */
export function removeFirstListValue(headers: SipHeader[], name: string): string | undefined {
  const canonical = canonicalHeaderName(name);
  const at = headers.findIndex((h) => sameName(h, canonical));
  if (at < 0) return undefined;
  const h = headers[at] as SipHeader;
  const parts = splitHeaderList(h.value);
  const first = parts.shift();
  if (parts.length === 0) headers.splice(at, 1);
  else headers[at] = { name: h.name, value: parts.join(', ') };
  return first;
}
