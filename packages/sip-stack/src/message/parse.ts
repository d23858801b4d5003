/**
 * SIP message parser (RFC 3261 §7, §18.3). Pure, index-based, never throws.
 *
 * The head (start line + headers) is decoded as latin1 so that string indices equal
 * byte offsets; values containing bytes >= 0x80 are re-decoded as UTF-8 (RFC 3261 §25:
 * TEXT-UTF8). The body is a zero-copy view (`subarray`) of the input buffer.
 */
import { canonicalHeaderName, matchHeaderName } from './header-names.js';
import { parseCSeq } from './cseq.js';
import { arraysWithRawLines, rawLines } from './raw-lines.js';
import { isToken } from './token.js';
import type { SipHeader, SipMessage, SipParseResult, SipRequest } from './types.js';

/** Options of {@link parseMessage}. */
export interface ParseOptions {
  /**
   * Largest accepted message in bytes; larger input yields status 513 (RFC 3261 §21.5.14).
   * Default 65535 for datagrams (the UDP maximum) and 1 MiB for streams.
   */
  readonly maxSize?: number;
  /**
   * True for stream transports (TCP/TLS/WS): Content-Length is then mandatory
   * (RFC 3261 §18.3). Default false (datagram).
   */
  readonly stream?: boolean;
}

/** Default maximum datagram message size in bytes (the UDP payload maximum). */
export const DEFAULT_MAX_DATAGRAM_SIZE = 65535;
/** Default maximum stream message size in bytes (1 MiB). */
export const DEFAULT_MAX_STREAM_SIZE = 1024 * 1024;

export { isToken } from './token.js';

const HIGH = /[\x80-\xff]/;
const EMPTY = Buffer.alloc(0);

function utf8(s: string): string {
  return HIGH.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** Slice s[start,end) with SP/HT trimmed on both sides (not String#trim: 0xA0 is data). */
function trimmed(s: string, start: number, end: number): string {
  while (start < end) {
    const c = s.charCodeAt(start);
    if (c !== 0x20 && c !== 0x09) break;
    start++;
  }
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return s.slice(start, end);
}

function isDigits(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const SIP_VERSION_RE = /^SIP\/\d+\.\d+$/i;

function isSip20(v: string): boolean {
  return v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0';
}

interface Failure {
  reason: string;
  status: number | undefined;
}

/** True when s[start, le) reads exactly `${name}: value` with a trimmed value. */
function isCanonicalLine(s: string, start: number, colon: number, le: number, name: string): boolean {
  if (colon !== start + name.length || !s.startsWith(name, start)) return false;
  if (s.charCodeAt(colon + 1) !== 0x20) return false;
  if (colon + 2 === le) return true;
  const first = s.charCodeAt(colon + 2);
  const last = s.charCodeAt(le - 1);
  return first !== 0x20 && first !== 0x09 && last !== 0x20 && last !== 0x09;
}

interface StartLine {
  readonly isResponse: boolean;
  readonly method: string;
  readonly uri: string;
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Request-line problem to answer (the headers are still read, for `partial`). */
  readonly fail?: Failure | undefined;
  /** Status-line problem: the response is dropped. */
  readonly drop?: string | undefined;
}

function droppedStart(drop: string): StartLine {
  return { isResponse: true, method: '', uri: '', version: '', status: 0, reason: '', drop };
}

/** Parse the start line s[pos, le) (RFC 3261 §7.1 Request-Line, §7.2 Status-Line). */
function parseStartLine(s: string, pos: number, le: number, high: boolean): StartLine {
  const isResponse =
    s.startsWith('SIP/', pos) ||
    ((s.charCodeAt(pos) | 0x20) === 0x73 && s.slice(pos, pos + 4).toUpperCase() === 'SIP/');
  if (isResponse) {
    const sp = s.indexOf(' ', pos);
    if (sp < 0 || sp > le) return droppedStart('malformed status line');
    const version = s.slice(pos, sp);
    if (!isSip20(version)) return droppedStart(`unsupported version ${version}`);
    const code = s.slice(sp + 1, sp + 4);
    const after = sp + 4;
    // RFC 3261 §7.2: Status-Code = 3DIGIT, then SP Reason-Phrase (tolerate a missing SP).
    if (!isDigits(code) || code.length !== 3 || (after < le && s.charCodeAt(after) !== 0x20)) {
      return droppedStart('malformed status code');
    }
    const status = +code;
    // RFC 3261 §21: response classes 1xx to 6xx.
    if (status < 100 || status > 699) return droppedStart(`status code ${status} out of range`);
    const reason = after < le ? s.slice(after + 1, le) : '';
    return { isResponse, method: '', uri: '', version, status, reason: high ? utf8(reason) : reason };
  }
  const sp1 = s.indexOf(' ', pos);
  const sp2 = s.lastIndexOf(' ', le - 1);
  if (sp1 < 0 || sp1 >= le || sp2 <= sp1) {
    const method = sp1 > pos && sp1 < le ? s.slice(pos, sp1) : s.slice(pos, le);
    const fail = { reason: 'malformed request line', status: 400 };
    return { isResponse, method, uri: '', version: '', status: 0, reason: '', fail };
  }
  const method = s.slice(pos, sp1);
  const rawUri = s.slice(sp1 + 1, sp2);
  const uri = high ? utf8(rawUri) : rawUri;
  const version = s.slice(sp2 + 1, le);
  let fail: Failure | undefined;
  // RFC 3261 §7.1: elements separated by single SP; the Request-URI holds no LWS.
  if (!isToken(method)) fail = { reason: 'invalid method token', status: 400 };
  else if (uri === '' || uri.includes(' ') || uri.includes('\t')) {
    fail = { reason: 'whitespace in Request-URI or request line', status: 400 };
  } else if (!isSip20(version)) {
    fail = SIP_VERSION_RE.test(version)
      ? { reason: `SIP version ${version} not supported`, status: 505 } // RFC 3261 §21.5.20
      : { reason: `malformed SIP version ${JSON.stringify(version)}`, status: 400 };
  }
  return { isResponse, method, uri, version, status: 0, reason: '', fail };
}

/**
 * Select the body (RFC 3261 §18.3, §20.14): Content-Length bytes after the head; over
 * datagrams extra bytes are discarded and, without Content-Length, the rest is the body.
 */
function frameBody(
  buf: Buffer,
  bodyStart: number,
  contentLength: string | undefined,
  stream: boolean,
): { body: Buffer; fail?: Failure } {
  const available = buf.length - bodyStart;
  if (contentLength === undefined) {
    if (stream)
      return { body: EMPTY, fail: { reason: 'Content-Length missing on a stream transport', status: 400 } };
    return { body: available > 0 ? buf.subarray(bodyStart) : EMPTY };
  }
  const cl = isDigits(contentLength) ? +contentLength : NaN;
  if (!Number.isSafeInteger(cl)) {
    return {
      body: EMPTY,
      fail: { reason: `invalid Content-Length ${JSON.stringify(contentLength)}`, status: 400 },
    };
  }
  if (cl > available) {
    const fail = { reason: `Content-Length ${cl} exceeds body length ${available}`, status: 400 };
    return { body: available > 0 ? buf.subarray(bodyStart) : EMPTY, fail };
  }
  return { body: cl > 0 ? buf.subarray(bodyStart, bodyStart + cl) : EMPTY };
}

/** What {@link readHeaders} found. */
interface HeaderScan {
  readonly headers: SipHeader[];
  /** Offset of the body, or -1 when no empty line ends the head. */
  readonly bodyStart: number;
  readonly contentLength: string | undefined;
  /** Via, From, To, Call-ID and CSeq are all present. */
  readonly complete: boolean;
  /** At least one Via line: enough to address an error response (RFC 3261 §18.2.2). */
  readonly haveVia: boolean;
  readonly fail: Failure | undefined;
}

/**
 * Read header lines from s[start] up to the empty line (RFC 3261 §7.3): canonical names,
 * unfolded and trimmed values, wire text kept for non-canonical lines.
 */
function readHeaders(s: string, start: number, high: boolean): HeaderScan {
  const headers: SipHeader[] = [];
  let haveVia = false;
  let haveFrom = false;
  let haveTo = false;
  let haveCallId = false;
  let haveCSeq = false;
  let contentLength: string | undefined;
  let hasRawLines = false;
  let p = start;
  let nl: number;
  let le: number;
  let fail: Failure | undefined;
  let bodyStart = -1;
  const slen = s.length;
  // A continuation line right after the start line has nothing to continue.
  const c0 = s.charCodeAt(p);
  if (c0 === 0x20 || c0 === 0x09)
    fail ??= { reason: 'whitespace at start of first header line', status: 400 };
  while (p < slen) {
    const c = s.charCodeAt(p);
    if (c === 0x0a) {
      bodyStart = p + 1;
      break;
    }
    if (c === 0x0d && s.charCodeAt(p + 1) === 0x0a) {
      bodyStart = p + 2;
      break;
    }
    nl = s.indexOf('\n', p);
    if (nl < 0) nl = slen;
    le = nl > p && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    const colon = s.indexOf(':', p);
    let valueStart: number;
    let name: string;
    if (colon < 0 || colon >= le) {
      fail ??= { reason: 'header line without colon', status: 400 };
      name = '';
      valueStart = le;
    } else {
      let ne = colon;
      while (ne > p && (s.charCodeAt(ne - 1) === 0x20 || s.charCodeAt(ne - 1) === 0x09)) ne--;
      const known = matchHeaderName(s, p, ne);
      if (known !== undefined) name = known;
      else {
        const rawName = trimmed(s, p, colon);
        if (!isToken(rawName))
          fail ??= { reason: `invalid header name ${JSON.stringify(rawName)}`, status: 400 };
        name = canonicalHeaderName(rawName);
      }
      valueStart = colon + 1;
    }
    let value = trimmed(s, valueStart, le);
    const lineStart = p;
    const firstNext = nl + 1;
    // RFC 3261 §7.3.1: a line starting with SP/HT continues the previous one (LWS = one SP).
    let next = firstNext;
    while (next < slen) {
      const cc = s.charCodeAt(next);
      if (cc !== 0x20 && cc !== 0x09) break;
      nl = s.indexOf('\n', next);
      if (nl < 0) nl = slen;
      le = nl > next && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const more = trimmed(s, next, le);
      if (more !== '') value = value === '' ? more : value + ' ' + more;
      next = nl + 1;
    }
    p = next;
    if (name === '') continue;
    if (high) value = utf8(value);
    const header: SipHeader = { name, value };
    headers.push(header);
    // Keep the wire text of lines `Name: value` would not reproduce (byte-exact round trip).
    if (next !== firstNext || !isCanonicalLine(s, lineStart, colon, le, name)) {
      const raw = s.slice(lineStart, le);
      rawLines.set(header, high ? utf8(raw) : raw);
      hasRawLines = true;
    }
    switch (name) {
      case 'Via':
        haveVia = true;
        break;
      case 'From':
        haveFrom = true;
        break;
      case 'To':
        haveTo = true;
        break;
      case 'Call-ID':
        haveCallId = true;
        break;
      case 'CSeq':
        // RFC 4475 scalar02/scalarlg: an unusable CSeq makes the message unmatchable.
        if (!haveCSeq && parseCSeq(value) === undefined) fail ??= { reason: 'malformed CSeq', status: 400 };
        haveCSeq = true;
        break;
      case 'Content-Length':
        // RFC 3261 §20.14 / RFC 4475 mcl01: several differing values cannot be framed.
        if (contentLength !== undefined && contentLength !== value) {
          fail ??= { reason: 'multiple differing Content-Length values', status: 400 };
        }
        contentLength = value;
        break;
    }
  }
  if (hasRawLines) arraysWithRawLines.add(headers);
  const complete = haveVia && haveFrom && haveTo && haveCallId && haveCSeq;
  return { headers, bodyStart, contentLength, complete, haveVia, fail };
}

/**
 * Parse one SIP message from `buf`.
 *
 * - Leading CRLFs are skipped (RFC 3261 §7.5).
 * - Header names are canonicalised (compact forms expanded, RFC 3261 §7.3.3); folded
 *   lines are joined with one space (RFC 3261 §7.3.1); values are trimmed.
 * - Datagram (default): a body shorter than Content-Length is a 400; bytes beyond
 *   Content-Length are discarded; without Content-Length the body is the rest
 *   (RFC 3261 §18.3). Stream: Content-Length is mandatory.
 * - Requests with a version other than SIP/2.0 yield status 505 (RFC 3261 §21.5.20);
 *   requests lacking Via, From, To, Call-ID or CSeq, or with a malformed CSeq, yield
 *   400 (§8.1.1); larger than `maxSize` yields 513 (§21.5.14).
 * - Malformed responses yield `ok: false` without a status: drop them.
 *
 * Never throws. On failure `partial` holds the request when it has Via, From, To,
 * Call-ID and CSeq, so that a UAS can answer it.
 */
export function parseMessage(buf: Buffer, opts?: ParseOptions): SipParseResult {
  try {
    return parseUnchecked(buf, opts?.stream === true, opts?.maxSize);
  } catch (err) {
    // Defensive only: the parser is written not to throw.
    return { ok: false, reason: `parser failure: ${String(err)}` };
  }
}

function parseUnchecked(buf: Buffer, stream: boolean, maxSizeOpt: number | undefined): SipParseResult {
  const maxSize = maxSizeOpt ?? (stream ? DEFAULT_MAX_STREAM_SIZE : DEFAULT_MAX_DATAGRAM_SIZE);
  const len = buf.length;
  let pos = 0;
  // RFC 3261 §7.5: ignore CRLFs preceding the start line.
  while (pos < len && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
  if (pos >= len) return { ok: false, reason: 'empty message' };

  // The whole input as latin1 (one char per byte, memcpy speed): string indices are byte
  // offsets, and V8's string search beats Buffer#indexOf on small inputs.
  const s = buf.toString('latin1', 0, Math.min(len, maxSize + 1));
  const sep = s.indexOf('\r\n\r\n', pos);
  // Native scan: a latin1 string with bytes >= 0x80 is longer in UTF-8.
  const high = Buffer.byteLength(sep < 0 ? s : s.slice(0, sep), 'utf8') !== (sep < 0 ? s.length : sep);

  let fail: Failure | undefined;
  // The first failure wins; `??=` keeps the reason text unevaluated afterwards.
  // RFC 3261 §21.5.14 513 Message Too Large; the head is still parsed for `partial`.
  if (len > maxSize) fail ??= { reason: `message of ${len} bytes exceeds limit ${maxSize}`, status: 513 };

  // ---- start line (RFC 3261 §7.1, §7.2)
  const nl = s.indexOf('\n', pos);
  if (nl < 0) return { ok: false, reason: 'no line end after start line' };
  const le = nl > pos && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
  const start = parseStartLine(s, pos, le, high);
  if (start.drop !== undefined) return { ok: false, reason: start.drop };
  if (start.fail !== undefined) fail ??= start.fail;
  const { isResponse, method, uri, version, status, reason } = start;

  // ---- headers (RFC 3261 §7.3)
  const scan = readHeaders(s, nl + 1, high);
  if (scan.fail !== undefined) fail ??= scan.fail;
  const { headers, contentLength, complete, haveVia } = scan;
  let bodyStart = scan.bodyStart;
  if (bodyStart < 0) {
    // No empty line: tolerated at the end of a datagram (no body); streams need it.
    if (stream) fail ??= { reason: 'no empty line after headers', status: 400 };
    bodyStart = len;
  }

  if (!complete)
    fail ??= { reason: 'missing mandatory header (Via, From, To, Call-ID or CSeq)', status: 400 };

  // ---- body (RFC 3261 §18.3, §20.14)
  const framed = frameBody(buf, bodyStart, contentLength, stream);
  if (framed.fail !== undefined) fail ??= framed.fail;
  const body = framed.body;

  let message: SipMessage;
  if (isResponse) {
    if (fail !== undefined) return { ok: false, reason: fail.reason };
    message = { kind: 'response', version, status, reason, headers, body };
    return { ok: true, message };
  }
  const request: SipRequest = { kind: 'request', method, uri, version, headers, body };
  if (fail !== undefined) {
    if (complete) return { ok: false, reason: fail.reason, status: fail.status, partial: request };
    // Neither a usable request line nor the headers to answer with: not a recognisable
    // request, so no status (the caller drops it).
    const recognisable = start.fail === undefined || start.fail.status === 505;
    // RFC 4475 §3.3.1 (insuf): a request missing From/To/Call-ID is still answered 400 when
    // it has a request line and a Via to send the response to; the response copies what exists.
    if (recognisable && haveVia)
      return { ok: false, reason: fail.reason, status: fail.status, partial: request };
    return { ok: false, reason: fail.reason, status: recognisable ? fail.status : undefined };
  }
  return { ok: true, message: request };
}
