/**
 * SIP message data model (RFC 3261 §7). Pure data: no sockets, timers or logging.
 *
 * Headers keep their wire order and raw (unfolded, trimmed) values; structured views
 * (Via, name-addr, CSeq, URIs) are produced on demand by the parse helpers in this folder.
 * Header names are stored in canonical long form (RFC 3261 §7.3.3 compact forms expanded,
 * e.g. `v` -> `Via`, `i` -> `Call-ID`); lookups are case-insensitive.
 */

/** One header line as received or to be sent. */
export interface SipHeader {
  /** Canonical name, e.g. `Via`, `Call-ID`, `WWW-Authenticate`; unknown names keep their spelling. */
  readonly name: string;
  /** Raw value: continuation lines folded to one space, leading/trailing whitespace trimmed. */
  readonly value: string;
}

interface SipMessageBase {
  /** Always `SIP/2.0` for messages we accept; kept for 505 handling of other versions. */
  readonly version: string;
  /** Header lines in wire order. A comma-joined line is kept as one entry. */
  readonly headers: SipHeader[];
  /** Message body (opaque bytes to sip-stack); length 0 when absent. */
  readonly body: Buffer;
}

/** A SIP request. */
export interface SipRequest extends SipMessageBase {
  readonly kind: 'request';
  /** Method token, case-sensitive (RFC 3261 §7.1), e.g. `INVITE`. */
  readonly method: string;
  /** Request-URI as it appeared on the wire (parse it with `parseUri`). */
  readonly uri: string;
}

/** A SIP response. */
export interface SipResponse extends SipMessageBase {
  readonly kind: 'response';
  /** Status code, 100..699. */
  readonly status: number;
  /** Reason phrase (may be empty). */
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** Generic parameters (`;name=value` or `;flag`); names lower-cased, `null` for a flag. */
export type SipParams = Map<string, string | null>;

/** A parsed `sip:` or `sips:` URI (RFC 3261 §19.1). */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** User part, %-escapes decoded; undefined when absent. */
  readonly user?: string | undefined;
  /** Password part (deprecated, RFC 3261 §19.1.1), decoded. */
  readonly password?: string | undefined;
  /** Host: domain name, IPv4 literal, or IPv6 reference *without* brackets. */
  readonly host: string;
  /** Port, when present. */
  readonly port?: number | undefined;
  /** URI parameters (`transport`, `lr`, `maddr`, `user`, ...). */
  readonly params: SipParams;
  /** URI headers (`?name=value&...`), decoded. */
  readonly headers: Map<string, string>;
}

/** A parsed `tel:` URI (RFC 3966). */
export interface TelUri {
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: SipParams;
}

/** Any other absolute URI we can carry but not route (e.g. `http:`, `urn:`). */
export interface OtherUri {
  readonly scheme: string;
  readonly raw: string;
}

export type Uri = SipUri | TelUri | OtherUri;

/** `name-addr` / `addr-spec` with header parameters (From, To, Contact, Route, ...). */
export interface NameAddr {
  /** Display name, unquoted and unescaped; undefined when absent. */
  readonly displayName?: string | undefined;
  /** The URI text exactly as it appeared (without the angle brackets). */
  readonly uri: string;
  /** Header parameters after the address (`tag`, `expires`, `q`, `+sip.instance`, ...). */
  readonly params: SipParams;
}

/** One Via value (RFC 3261 §20.42). A Via header line may hold several. */
export interface Via {
  /** `SIP/2.0` */
  readonly protocol: string;
  /** Upper-case transport token: `UDP`, `TCP`, `TLS`, `WS`, `WSS`, or another token. */
  readonly transport: string;
  readonly host: string;
  readonly port?: number | undefined;
  /** `branch`, `received`, `rport` (null when empty), `maddr`, `ttl`, ... */
  readonly params: SipParams;
}

/** CSeq (RFC 3261 §20.16). */
export interface CSeq {
  /** 0 .. 2**31-1 */
  readonly seq: number;
  readonly method: string;
}

/** Where a parse failed, and the response a UAS should give (RFC 4475 expectations). */
export interface SipParseError {
  readonly ok: false;
  /** Human-readable reason, e.g. `Content-Length 150 exceeds body length 120`. */
  readonly reason: string;
  /**
   * Response code a server should answer a request with (400 malformed, 505 version,
   * 413 too large...); undefined when the input is not a recognisable request (drop it).
   */
  readonly status?: number | undefined;
  /** The partially parsed request, when enough was read to answer it (a request line and a Via). */
  readonly partial?: SipRequest | undefined;
}

export type SipParseResult = { readonly ok: true; readonly message: SipMessage } | SipParseError;
