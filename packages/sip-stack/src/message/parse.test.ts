import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getHeader, getHeaders } from './headers.js';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import type { SipRequest, SipResponse } from './types.js';

const crlf = (lines: string[]): string => lines.join('\r\n');

const INVITE = crlf([
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.1>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
]);

function ok(text: string | Buffer, opts?: { stream?: boolean; maxSize?: number }) {
  const r = parseMessage(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), opts);
  if (!r.ok) throw new Error(`expected ok: ${r.reason}`);
  return r.message;
}

describe('parseMessage', () => {
  it('parses a request with body', () => {
    const m = ok(INVITE) as SipRequest;
    expect(m.kind).toBe('request');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:bob@example.com');
    expect(m.version).toBe('SIP/2.0');
    expect(m.headers).toHaveLength(9);
    expect(getHeader(m, 'call-id')).toBe('a84b4c76e66710@pc33.example.com');
    expect(m.body.toString()).toBe('v=0\n');
  });

  it('parses a response and an empty reason phrase', () => {
    const r = ok(INVITE.replace('INVITE sip:bob@example.com SIP/2.0', 'SIP/2.0 180 Ringing')) as SipResponse;
    expect(r.kind).toBe('response');
    expect(r.status).toBe(180);
    expect(r.reason).toBe('Ringing');
    const r2 = ok(INVITE.replace('INVITE sip:bob@example.com SIP/2.0', 'SIP/2.0 100 ')) as SipResponse;
    expect(r2.reason).toBe('');
  });

  it('expands compact forms and canonicalises names', () => {
    const m = ok(
      crlf([
        'OPTIONS sip:x@example.com SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bK1',
        'f: <sip:a@b>;tag=1',
        't: <sip:x@example.com>',
        'i: abc',
        'cseq: 1 OPTIONS',
        'www-authenticate: Digest realm="x"',
        'k: 100rel',
        'l: 0',
        '',
        '',
      ]),
    );
    expect(m.headers.map((h) => h.name)).toEqual([
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'WWW-Authenticate',
      'Supported',
      'Content-Length',
    ]);
  });

  it('unfolds continuation lines and trims values', () => {
    const m = ok(
      INVITE.replace('Subject', 'x').replace('CSeq: 314159 INVITE', 'CSeq:   314159\r\n\t INVITE  '),
    );
    expect(getHeader(m, 'CSeq')).toBe('314159 INVITE');
  });

  it('skips leading CRLFs (RFC 3261 §7.5)', () => {
    expect(ok('\r\n\r\n' + INVITE).kind).toBe('request');
  });

  it('discards bytes beyond Content-Length over datagrams', () => {
    expect(ok(INVITE + 'garbage').body.toString()).toBe('v=0\n');
  });

  it('uses the rest as body when Content-Length is missing over UDP', () => {
    const m = ok(INVITE.replace('Content-Length: 4\r\n', ''));
    expect(m.body.toString()).toBe('v=0\n');
  });

  it('rejects a body shorter than Content-Length with 400 and a partial', () => {
    const r = parseMessage(Buffer.from(INVITE.replace('Content-Length: 4', 'Content-Length: 40')));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.partial?.method).toBe('INVITE');
  });

  it('requires Content-Length on streams', () => {
    const r = parseMessage(Buffer.from(INVITE.replace('Content-Length: 4\r\n', '')), { stream: true });
    expect(r.ok).toBe(false);
    expect(ok(INVITE, { stream: true }).body.length).toBe(4);
  });

  it('answers 505 for another SIP version and 400 for missing headers', () => {
    const r = parseMessage(Buffer.from(INVITE.replace('SIP/2.0\r\n', 'SIP/3.0\r\n')));
    expect(r).toMatchObject({ ok: false, status: 505 });
    const r2 = parseMessage(Buffer.from(INVITE.replace(/Call-ID:[^\r]*\r\n/, '')));
    expect(r2).toMatchObject({ ok: false, status: 400 });
    // Still answerable: a request line and a Via (RFC 4475 §3.3.1 insuf); the 400 copies what exists.
    if (!r2.ok) expect(r2.partial?.method).toBe('INVITE');
  });

  it('gives no status for garbage that is not a recognisable request', () => {
    for (const garbage of ['hello world\r\n\r\n', '\x00\x01\x02', 'INVITE\r\n\r\n']) {
      const r = parseMessage(Buffer.from(garbage));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.status).toBeUndefined();
    }
  });

  it('enforces the maximum size with 513', () => {
    const r = parseMessage(Buffer.from(INVITE), { maxSize: 100 });
    expect(r).toMatchObject({ ok: false, status: 513 });
  });

  it('drops malformed responses without a status', () => {
    const r = parseMessage(
      Buffer.from(INVITE.replace('INVITE sip:bob@example.com SIP/2.0', 'SIP/2.0 2000 OK')),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.status).toBeUndefined();
  });

  it('decodes UTF-8 header values', () => {
    const m = ok(Buffer.from(INVITE.replace('From: Alice', 'From: "Zoë 日本"'), 'utf8'));
    expect(getHeader(m, 'From')).toBe('"Zoë 日本" <sip:alice@example.com>;tag=1928301774');
    expect(serializeMessage(m).toString('utf8')).toContain('Zoë 日本');
  });

  it('keeps comma-joined lines as one entry; getHeaders splits them', () => {
    const m = ok(
      INVITE.replace('Max-Forwards: 70', 'Via: SIP/2.0/UDP a;branch=z9hG4bK2, SIP/2.0/UDP b;branch=z9hG4bK3'),
    );
    expect(getHeaders(m, 'v')).toHaveLength(3);
  });
});

describe('parseMessage robustness (property)', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, stream) => {
        const r = parseMessage(Buffer.from(bytes), { stream });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutations of a valid message, and round-trips what it accepts', () => {
    const base = Buffer.from(INVITE, 'latin1');
    const mutation = fc.record({
      at: fc.nat(base.length - 1),
      kind: fc.constantFrom('replace', 'delete', 'insert', 'truncate'),
      byte: fc.constantFrom(
        0x00,
        0x0d,
        0x0a,
        0x20,
        0x09,
        0x3a,
        0x3b,
        0x2c,
        0x22,
        0x3c,
        0x3e,
        0xff,
        0x41,
        0x31,
      ),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (muts) => {
        let b = Buffer.from(base);
        for (const m of muts) {
          const at = Math.min(m.at, b.length);
          if (m.kind === 'replace' && at < b.length) b[at] = m.byte;
          else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
          else if (m.kind === 'insert')
            b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
          else b = b.subarray(0, at);
        }
        const r = parseMessage(b);
        if (r.ok) {
          const again = parseMessage(serializeMessage(r.message));
          expect(again.ok).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
