import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isKeepalive, SipStreamFramer, type StreamFramerItem } from './stream-framer.js';

const msg = (body: string, cseq = 1): string =>
  [
    'MESSAGE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK' + cseq,
    'From: <sip:a@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: c',
    `CSeq: ${cseq} MESSAGE`,
    `l: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');

function summary(items: StreamFramerItem[]): string[] {
  return items.map((i) => {
    if (isKeepalive(i)) return i.keepalive;
    if (!i.ok) return `error ${i.status ?? '-'}`;
    return `msg ${i.message.body.toString()}`;
  });
}

describe('SipStreamFramer', () => {
  it('frames back-to-back messages and keep-alives', () => {
    const f = new SipStreamFramer();
    const wire = '\r\n\r\n' + msg('hello') + msg('', 2) + '\r\n' + msg('x\r\n\r\ny', 3);
    expect(summary(f.push(Buffer.from(wire)))).toEqual([
      'ping',
      'msg hello',
      'msg ',
      'pong',
      'msg x\r\n\r\ny',
    ]);
    expect(f.buffered).toBe(0);
  });

  it('gives the same result however the stream is chunked', () => {
    const wire = Buffer.from(
      '\r\n\r\n' + msg('hello') + msg('body\r\n\r\nmore', 2) + '\r\n\r\n' + msg('', 3),
    );
    const whole = summary(new SipStreamFramer().push(wire));
    fc.assert(
      fc.property(fc.array(fc.nat(wire.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const f = new SipStreamFramer();
        const got: StreamFramerItem[] = [];
        let prev = 0;
        for (const p of [...points, wire.length]) {
          got.push(...f.push(wire.subarray(prev, p)));
          prev = p;
        }
        // A ping split after its first CRLF reads as two pongs; compare messages only.
        const msgs = (xs: string[]): string[] => xs.filter((x) => x.startsWith('msg'));
        expect(msgs(summary(got))).toEqual(msgs(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('reports a missing Content-Length as 400 and continues', () => {
    const f = new SipStreamFramer();
    const noCl = msg('').replace('l: 0\r\n', '');
    expect(summary(f.push(Buffer.from(noCl + msg('ok'))))).toEqual(['error 400', 'msg ok']);
  });

  it('fails fatally on oversized heads and bodies', () => {
    const f = new SipStreamFramer({ maxHeadSize: 100 });
    expect(summary(f.push(Buffer.alloc(200, 0x41)))).toEqual(['error 513']);
    expect(f.failed).toBe(true);
    expect(f.push(Buffer.from(msg('x')))).toEqual([]);
    const g = new SipStreamFramer({ maxMessageSize: 300 });
    expect(summary(g.push(Buffer.from(msg('x'.repeat(400)))))).toEqual(['error 513']);
    const h = new SipStreamFramer();
    expect(summary(h.push(Buffer.from(msg('x').replace('l: 1', 'l: -1'))))).toEqual(['error 400']);
  });

  it('treats conflicting Content-Length values as fatal (RFC 4475 mcl01 over TCP)', () => {
    const f = new SipStreamFramer();
    expect(summary(f.push(Buffer.from(msg('x').replace('l: 1', 'l: 1\r\nContent-Length: 5'))))).toEqual([
      'error 400',
    ]);
    expect(f.failed).toBe(true);
  });

  it('keeps emitted bodies intact across later pushes and copes with 1-byte chunks', () => {
    const f = new SipStreamFramer();
    const first = f.push(Buffer.from(msg('first-body')));
    const wire = Buffer.from(msg('y'.repeat(20000), 2));
    const got: StreamFramerItem[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...f.push(wire.subarray(i, i + 1)));
    expect(summary(first)).toEqual(['msg first-body']);
    expect(summary(got)).toEqual([`msg ${'y'.repeat(20000)}`]);
  });

  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), (chunks) => {
        const f = new SipStreamFramer({ maxMessageSize: 2000, maxHeadSize: 500 });
        for (const c of chunks) f.push(Buffer.from(c));
      }),
      { numRuns: 500 },
    );
  });
});
