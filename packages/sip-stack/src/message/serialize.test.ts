import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import type { SipMessage } from './types.js';

const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@example.com>',
  'From: Alice <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

function parsed(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text, 'utf8'));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

describe('serializeMessage', () => {
  it('round-trips a canonical message byte for byte', () => {
    expect(serializeMessage(parsed(INVITE)).toString('latin1')).toBe(INVITE);
  });

  it('round-trips unusual spacing, compact names and folding byte for byte', () => {
    const odd = INVITE.replace('To: Bob <sip:bob@example.com>', 't:Bob\r\n  <sip:bob@example.com> ')
      .replace('Max-Forwards: 70', 'Max-Forwards :  70')
      .replace('Content-Length: 4', 'Content-Length: 4');
    const m = parsed(odd);
    expect(serializeMessage(m).toString('latin1')).toBe(odd);
    // An edited header is written canonically; the others keep their wire form.
    const headers = m.headers.map((h) => (h.name === 'To' ? { name: 'To', value: h.value } : h));
    const edited = serializeMessage({ ...m, headers }).toString('latin1');
    expect(edited).toContain('\r\nTo: Bob <sip:bob@example.com>\r\n');
    expect(edited).toContain('\r\nMax-Forwards: 70\r\n');
  });

  it('round-trips every RFC 4475 message that parses, except Content-Length lines', () => {
    const dir = new URL('../../../../../shared/conformance/rfc4475/', import.meta.url);
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.dat'))) {
      const bytes = readFileSync(new URL(f, dir));
      const r = parseMessage(bytes);
      if (!r.ok) continue;
      const out = serializeMessage(r.message);
      const head = (b: Buffer): string => {
        const t = b.toString('latin1') + '\r\n'; // baddn.dat lacks its final empty line
        return t.slice(0, t.indexOf('\r\n\r\n')).replace(/\r\n(content-length|l)[ \t]*:[^\r]*/gi, '');
      };
      expect(head(out), f).toBe(head(bytes));
      expect(out.subarray(out.length - r.message.body.length).equals(r.message.body), f).toBe(true);
    }
  });

  it('rewrites a wrong Content-Length in place and appends a missing one', () => {
    const wrong = INVITE.replace('Content-Length: 4', 'Content-Length: 2');
    const m = parsed(wrong.replace('Content-Length: 2\r\n', 'Content-Length: 4\r\n'));
    expect(serializeMessage({ ...m, body: Buffer.from('v=0\r\nx') }).toString()).toContain(
      'Content-Length: 6\r\n',
    );
    const noCl = parsed(INVITE.replace('Content-Length: 4\r\n', ''));
    const out = serializeMessage(noCl).toString();
    expect(out.endsWith('Content-Length: 4\r\n\r\nv=0\n')).toBe(true);
  });

  it('writes responses and empty bodies', () => {
    const out = serializeMessage({
      kind: 'response',
      version: 'SIP/2.0',
      status: 200,
      reason: 'OK',
      headers: [{ name: 'Call-ID', value: 'x' }],
      body: Buffer.alloc(0),
    });
    expect(out.toString()).toBe('SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n');
  });

  it('keeps binary bodies intact', () => {
    const body = Buffer.from([0, 255, 13, 10, 13, 10, 128]);
    const m = parsed(INVITE.replace('Content-Length: 4', 'Content-Length: 0'));
    const out = serializeMessage({ ...m, body });
    const back = parseMessage(out);
    expect(back.ok && back.message.body.equals(body)).toBe(true);
  });
});
