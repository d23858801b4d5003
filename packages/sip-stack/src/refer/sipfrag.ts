/** The status line of a `message/sipfrag` body (RFC 3420) in a REFER NOTIFY (RFC 3515 §2.4.5). */

/** Content type of NOTIFY bodies for the `refer` event package (RFC 3515 §2.4.5). */
export const SIPFRAG_CONTENT_TYPE = 'message/sipfrag';

/** A sipfrag status line: `SIP/2.0 180 Ringing` -> { status: 180, reason: 'Ringing' }. */
export interface SipfragStatus {
  /** 100..699. */
  readonly status: number;
  /** The reason phrase; may be empty. */
  readonly reason: string;
}

/**
 * The status line of a sipfrag body (its first line; headers after it are ignored).
 * Undefined when the first line is not a SIP status line with a 100..699 code (the
 * NOTIFY then gets 400, RFC 3515 §2.4.5 requires at least the status line).
 */
export function parseSipfragStatus(body: Buffer): SipfragStatus | undefined {
  const text = body
    .subarray(0, 512)
    .toString('latin1')
    .replace(/^[\r\n]+/, '');
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  const m = /^SIP\/2\.0[ \t]+([1-6]\d\d)(?:[ \t]+([^\r\n]*))?[ \t]*$/i.exec(line);
  if (!m) return undefined;
  return { status: Number(m[1]), reason: (m[2] ?? '').trim() };
}

/** True when `contentType` (header value, parameters allowed) is message/sipfrag. */
export function isSipfrag(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === SIPFRAG_CONTENT_TYPE;
}

/** The Content-Type of the NOTIFYs we send, as in RFC 3515 §4.1's examples. */
export const SIPFRAG_VERSIONED = `${SIPFRAG_CONTENT_TYPE};version=2.0`;

/**
 * A sipfrag body holding only a status line (RFC 3515 §2.4.5: it MUST hold at least that),
 * `SIP/2.0 180 Ringing\r\n`. Line breaks and other control characters in `reason` (often a
 * far end's reason phrase) become spaces, so it stays one line (RFC 3261 §25.1 Reason-Phrase).
 */
export function formatSipfrag(status: number, reason: string): Buffer {
  // eslint-disable-next-line no-control-regex
  const phrase = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return Buffer.from(`SIP/2.0 ${status} ${phrase}\r\n`, 'utf8');
}
