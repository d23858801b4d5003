/**
 * SIP message serializer (RFC 3261 §7). Pure: message in, bytes out.
 */
import { arraysWithRawLines, rawLines } from './raw-lines.js';
import type { SipMessage } from './types.js';

/**
 * Serialize `msg` to wire bytes: start line, `Name: value` lines in order, an empty line,
 * then the body; CRLF line ends throughout (RFC 3261 §7).
 *
 * Content-Length is always written from `body.length` (RFC 3261 §20.14, mandatory on
 * streams per §18.3): any existing Content-Length lines are replaced by one line at the
 * position of the first, or appended when there was none.
 *
 * An unchanged parsed message serializes back byte for byte, compact names, odd spacing
 * and folded lines included (their wire text is remembered per header object), except
 * for the Content-Length line, which is always `Content-Length: <body.length>`, and
 * leading CRLFs before the start line. Headers added or replaced are written
 * `Name: value`. Header text is written as UTF-8.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request'
      ? `${msg.method} ${msg.uri} ${msg.version}\r\n`
      : `${msg.version} ${msg.status} ${msg.reason}\r\n`;
  const body = msg.body;
  let wroteLength = false;
  const headers = msg.headers;
  const withRaw = arraysWithRawLines.has(headers);
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h.name === 'Content-Length' || isContentLength(h.name)) {
      if (!wroteLength) head += `Content-Length: ${body.length}\r\n`;
      wroteLength = true;
      continue;
    }
    const raw = withRaw ? rawLines.get(h) : undefined;
    head += raw === undefined ? `${h.name}: ${h.value}\r\n` : `${raw}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  if (body.length === 0) return Buffer.from(head, 'utf8');
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headLen);
  return out;
}

function isContentLength(name: string): boolean {
  if (name.length === 1) return name === 'l' || name === 'L';
  return name.length === 14 && name.toLowerCase() === 'content-length';
}
