/**
 * Semantic checks a UAS core applies to a parsed request before processing it
 * (RFC 3261 §8.2, §16.3), and a UAC's sanity checks on responses (§8.1.3.3).
 * The expectations follow RFC 4475 §3.
 */
import { parseCSeq } from './cseq.js';
import { countHeaders, getHeader, getHeaders } from './headers.js';
import { parseContacts, parseNameAddr } from './name-addr.js';
import type { SipHeader, SipRequest, SipResponse } from './types.js';
import { isSipUri, parseUri } from './uri.js';
import { parseVia } from './via.js';

/** A response a UAS should send instead of processing the request. */
export interface ValidationFailure {
  readonly status: number;
  readonly reason: string;
  /** Headers to add to the response (Unsupported for 420, Accept for 415, Allow for 405). */
  readonly headers?: SipHeader[];
}

/** Options of {@link validateRequest}. All default to "accept anything". */
export interface ValidateRequestOptions {
  /** Option tags we support; a Require tag outside this list yields 420 (§8.2.2.3). Default []. */
  readonly supported?: readonly string[];
  /** Body types we accept (`type/subtype`, case-insensitive); others yield 415 (§8.2.3). Default: any. */
  readonly acceptedContentTypes?: readonly string[];
  /** Methods we implement; others yield 405 (known) or 501 (unknown) (§8.2.1). Default: any. */
  readonly allowedMethods?: readonly string[];
  /** Request-URI schemes we serve; others yield 416 (§8.2.2.1). Default sip, sips, tel. */
  readonly uriSchemes?: readonly string[];
  /**
   * Body types we would answer with; when the request's Accept lists none of them, 406
   * (RFC 4475 sdp01). Default: no check.
   */
  readonly responseContentTypes?: readonly string[];
  /** True when we would forward rather than consume the request: Max-Forwards 0 -> 483 (§16.3). Default false. */
  readonly forwarding?: boolean;
  /** True when acting as registrar: REGISTER's To must hold a sip/sips AOR (§10.3). Default false. */
  readonly registrar?: boolean;
}

/** Methods defined by RFC 3261 and common extensions (for 405 vs 501). */
export const KNOWN_METHODS: readonly string[] = [
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'INVITE',
  'MESSAGE',
  'NOTIFY',
  'OPTIONS',
  'PRACK',
  'PUBLISH',
  'REFER',
  'REGISTER',
  'SUBSCRIBE',
  'UPDATE',
];

/** Headers that may appear only once (RFC 3261 §7.3.1, RFC 4475 multi01). */
const SINGLETONS = [
  'Call-ID',
  'CSeq',
  'From',
  'To',
  'Max-Forwards',
  'Content-Type',
  'Content-Length',
  'Expires',
];

const bad = (reason: string): ValidationFailure => ({ status: 400, reason });

function checkAddress(value: string | undefined, name: string): ValidationFailure | undefined {
  if (value === undefined) return bad(`Missing ${name}`);
  const na = parseNameAddr(value);
  if (na === undefined) return bad(`Malformed ${name}`);
  if (parseUri(na.uri) === undefined) return bad(`Malformed URI in ${name}`);
  return undefined;
}

function checkSyntax(req: SipRequest): ValidationFailure | undefined {
  for (const name of SINGLETONS) if (countHeaders(req, name) > 1) return bad(`Multiple ${name} headers`);
  const cseq = parseCSeq(getHeader(req, 'CSeq') ?? '');
  if (cseq === undefined) return bad('Malformed CSeq');
  if (cseq.method !== req.method) {
    // RFC 4475 mismatch02: an unknown method with a mismatching CSeq is better a 501.
    if (!KNOWN_METHODS.includes(req.method)) return { status: 501, reason: 'Not Implemented' };
    return bad('CSeq method does not match the request method');
  }
  for (const name of ['From', 'To'] as const) {
    const f = checkAddress(getHeader(req, name), name);
    if (f !== undefined) return f;
  }
  for (const line of req.headers) {
    if (line.name !== 'Via') continue;
    const vias = parseVia(line.value);
    if (vias.length === 0) return bad('Malformed Via');
    // RFC 4475 badbranch: the magic cookie alone carries no transaction identifier.
    for (const v of vias)
      if (v.params.get('branch') === 'z9hG4bK') return bad('Empty branch after magic cookie');
  }
  const contact = getHeaders(req, 'Contact');
  if (
    contact.length > 0 &&
    req.headers.some((h) => h.name === 'Contact' && parseContacts(h.value) === undefined)
  ) {
    return bad('Malformed Contact');
  }
  const mf = getHeader(req, 'Max-Forwards');
  if (mf !== undefined && !/^\d{1,10}$/.test(mf)) return bad('Malformed Max-Forwards');
  const ruri = parseUri(req.uri);
  if (ruri === undefined) return bad('Malformed Request-URI');
  // RFC 4475 escruri / RFC 3261 §19.1.5: headers are not allowed in a Request-URI.
  if (isSipUri(ruri) && ruri.headers.size > 0) return bad('Headers in Request-URI');
  return undefined;
}

function mediaType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}

function typeMatches(range: string, type: string): boolean {
  if (range === '*/*' || range === type) return true;
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1));
}

/**
 * Check a parsed request; undefined when it should be processed, otherwise the
 * response to send. Order follows RFC 3261 §8.2: syntax (400), Max-Forwards when
 * forwarding (483), method (405/501), Request-URI scheme (416), Require (420),
 * Content-Type (415), Accept (406), registrar AOR (400).
 */
export function validateRequest(
  req: SipRequest,
  opts: ValidateRequestOptions = {},
): ValidationFailure | undefined {
  const syntax = checkSyntax(req);
  if (syntax !== undefined) return syntax;
  const method = req.method;
  // RFC 3261 §16.3 step 3; RFC 4475 zeromf: an endpoint processes Max-Forwards 0 normally.
  if (opts.forwarding === true && method !== 'OPTIONS' && getHeader(req, 'Max-Forwards') === '0') {
    return { status: 483, reason: 'Too Many Hops' };
  }
  if (opts.allowedMethods !== undefined && !opts.allowedMethods.includes(method)) {
    if (KNOWN_METHODS.includes(method)) {
      return {
        status: 405,
        reason: 'Method Not Allowed',
        headers: [{ name: 'Allow', value: opts.allowedMethods.join(', ') }],
      };
    }
    return { status: 501, reason: 'Not Implemented' };
  }
  const schemes = opts.uriSchemes ?? ['sip', 'sips', 'tel'];
  const scheme = parseUri(req.uri)!.scheme;
  if (!schemes.includes(scheme)) return { status: 416, reason: 'Unsupported URI Scheme' };
  if (method !== 'ACK' && method !== 'CANCEL') {
    const supported = (opts.supported ?? []).map((t) => t.toLowerCase());
    const unsupported = getHeaders(req, 'Require').filter((t) => !supported.includes(t.toLowerCase()));
    if (unsupported.length > 0) {
      return {
        status: 420,
        reason: 'Bad Extension',
        headers: [{ name: 'Unsupported', value: unsupported.join(', ') }],
      };
    }
  }
  if (req.body.length > 0 && opts.acceptedContentTypes !== undefined) {
    const ct = getHeader(req, 'Content-Type');
    const accepted = opts.acceptedContentTypes.map((t) => t.toLowerCase());
    if (ct === undefined || !accepted.includes(mediaType(ct))) {
      return {
        status: 415,
        reason: 'Unsupported Media Type',
        headers: [{ name: 'Accept', value: opts.acceptedContentTypes.join(', ') }],
      };
    }
  }
  const accept = getHeaders(req, 'Accept');
  if (opts.responseContentTypes !== undefined && accept.length > 0) {
    const ranges = accept.map(mediaType);
    const ok = opts.responseContentTypes.some((t) => ranges.some((r) => typeMatches(r, t.toLowerCase())));
    if (!ok) return { status: 406, reason: 'Not Acceptable' };
  }
  if (opts.registrar === true && method === 'REGISTER') {
    const to = parseNameAddr(getHeader(req, 'To')!);
    if (!isSipUri(parseUri(to?.uri ?? ''))) return bad('To is not a SIP or SIPS AOR');
  }
  return undefined;
}

/**
 * Check a parsed response as a UAC; returns why it must be silently discarded, or
 * undefined. RFC 3261 §8.1.3.3: more than one Via -> discard (RFC 4475 bcast); plus
 * malformed Via, CSeq, From or To (RFC 4475 scalarlg).
 */
export function validateResponse(res: SipResponse): string | undefined {
  const vias = getHeaders(res, 'Via');
  if (vias.length !== 1) return `response has ${vias.length} Via values`;
  if (parseVia(vias[0]!).length !== 1) return 'malformed Via';
  if (parseCSeq(getHeader(res, 'CSeq') ?? '') === undefined) return 'malformed CSeq';
  for (const name of ['From', 'To', 'Call-ID'])
    if (countHeaders(res, name) !== 1) return `need exactly one ${name}`;
  if (parseNameAddr(getHeader(res, 'From')!) === undefined) return 'malformed From';
  if (parseNameAddr(getHeader(res, 'To')!) === undefined) return 'malformed To';
  return undefined;
}
