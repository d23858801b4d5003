import { describe, expect, it } from 'vitest';
import { FakeClock } from './testing/fake-clock.js';
import { FakeTransport } from './testing/fake-transport.js';
import { rawRequest, rawResponseTo } from './testing/sip-fixtures.js';
import { UserAgent } from './user-agent.js';
import type { IncomingCall } from './user-agent.js';
import type { Dialog } from './dialog/dialog.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

async function setup(opts: { supported?: string[] } = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp', { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({
    transports: [],
    transportInstances: [transport],
    clock,
    userAgent: 'test-ua/1',
    ...opts,
  });
  await ua.start();
  const statuses = () => transport.sent.map((s) => s.text.split('\r\n')[0] ?? '');
  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, transport, ua, statuses, flush };
}

function toTagOf(text: string): string {
  return /\r\nTo:[^\r]*;tag=([^;\r]+)/.exec(text)?.[1] ?? '';
}

describe('UserAgent core', () => {
  it('answers OPTIONS with 200, Allow, Accept, Server', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'OPTIONS' }));
    const res = s.transport.last()!;
    expect(res.text).toMatch(/^SIP\/2.0 200 /);
    expect(res.text).toContain('Allow: INVITE, ACK, CANCEL, BYE, OPTIONS');
    expect(res.text).toContain('Accept: application/sdp');
    expect(res.text).toContain('Server: test-ua/1');
    // RFC 3261 §18.2.1 / RFC 3581: response goes to the source port given by rport
    expect(res.text).toContain('rport=5070;received=127.0.0.1');
    expect(res.dest).toEqual({ protocol: 'udp', address: '127.0.0.1', port: 5070 });
  });

  it('rejects unknown methods (501), not-allowed methods (405), bad schemes (416), unknown Require (420)', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'FOO', branch: 'z9hG4bK-1' }));
    s.transport.inject(rawRequest({ method: 'SUBSCRIBE', branch: 'z9hG4bK-2', callId: 'c2' }));
    s.transport.inject(rawRequest({ method: 'OPTIONS', uri: 'http://x', branch: 'z9hG4bK-3', callId: 'c3' }));
    s.transport.inject(
      rawRequest({ method: 'OPTIONS', branch: 'z9hG4bK-4', callId: 'c4', extra: ['Require: foo, bar'] }),
    );
    expect(s.statuses()).toEqual([
      'SIP/2.0 501 Not Implemented',
      'SIP/2.0 405 Method Not Allowed',
      'SIP/2.0 416 Unsupported URI Scheme',
      'SIP/2.0 420 Bad Extension',
    ]);
    expect(s.transport.last()!.text).toContain('Unsupported: foo, bar');
  });

  it('answers 481 to requests for unknown dialogs and to BYE outside a dialog', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'BYE', toTag: 'nope', branch: 'z9hG4bK-5' }));
    s.transport.inject(rawRequest({ method: 'INFO', branch: 'z9hG4bK-6', callId: 'c6' }));
    expect(s.statuses()).toEqual([
      'SIP/2.0 481 Call/Transaction Does Not Exist',
      'SIP/2.0 481 Call/Transaction Does Not Exist',
    ]);
  });

  it('answers an unparsable request with the parser status and drops garbage', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'OPTIONS' }).replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS'));
    s.transport.inject('\x00\x01garbage');
    s.transport.inject('SIP/2.0 200 OK\r\n\r\n');
    expect(s.statuses()).toEqual(['SIP/2.0 400 Bad Request']);
  });

  it('detects merged requests (482, RFC 3261 §8.2.2.2)', async () => {
    const s = await setup();
    s.ua.on('invite', () => undefined);
    s.transport.inject(rawRequest({ branch: 'z9hG4bK-a' }));
    s.clock.advance(100); // the TU stays silent: 100 Trying (RFC 3261 §17.2.1)
    s.transport.inject(rawRequest({ branch: 'z9hG4bK-b' }));
    expect(s.statuses()).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 482 Loop Detected']);
  });

  it('sends 100 Trying only when the TU has not responded within 100 ms (T1/5)', async () => {
    const s = await setup();
    let call: IncomingCall | undefined;
    s.ua.on('invite', (c: IncomingCall) => (call = c));
    s.transport.inject(rawRequest());
    s.clock.advance(99);
    expect(s.statuses()).toEqual([]);
    s.clock.advance(1);
    expect(s.statuses()).toEqual(['SIP/2.0 100 Trying']);
    // a retransmitted INVITE gets the 100 again
    s.transport.inject(rawRequest());
    expect(s.statuses()).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 100 Trying']);
    // a retransmission inside the 100 ms window gets the 100 at once, and only once
    const r = await setup();
    r.ua.on('invite', () => undefined);
    r.transport.inject(rawRequest());
    r.clock.advance(10);
    r.transport.inject(rawRequest());
    expect(r.statuses()).toEqual(['SIP/2.0 100 Trying']);
    r.clock.advance(200);
    expect(r.statuses()).toEqual(['SIP/2.0 100 Trying']);
    call?.reject(486);
    // a TU that answers at once: no 100 at all, and no timer left behind
    const q = await setup();
    q.ua.on('invite', (c: IncomingCall) => c.reject(486));
    q.transport.inject(rawRequest());
    q.clock.advance(1000);
    expect(q.statuses()).toEqual(['SIP/2.0 486 Busy Here', 'SIP/2.0 486 Busy Here']);
  });

  it('answers INVITE with 480 when nobody listens', async () => {
    const s = await setup();
    s.transport.inject(rawRequest());
    expect(s.statuses()).toEqual(['SIP/2.0 480 Temporarily Unavailable']);
    s.transport.inject(rawRequest({ method: 'ACK', toTag: toTagOf(s.transport.last()!.text) }));
    expect(s.transport.sent).toHaveLength(1);
  });

  it('offers INVITE, sends 180 and 200, retransmits the 200 until ACK, then handles BYE', async () => {
    const s = await setup();
    let call: IncomingCall | undefined;
    s.ua.on('invite', (c: IncomingCall) => {
      call = c;
      c.progress(180);
    });
    s.transport.inject(rawRequest({ body: 'v=0\r\n' }));
    expect(call?.callId).toBe('call-1@127.0.0.1');
    expect(call?.from.uri).toBe('sip:alice@127.0.0.1:5070');
    expect(call?.body.toString()).toBe('v=0\r\n');
    expect(call?.remote).toEqual({ address: '127.0.0.1', port: 5070, protocol: 'udp' });
    const accepted = call!.accept({ body: SDP, contentType: 'application/sdp' });
    expect(s.statuses()).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
    const ok = s.transport.last()!.text;
    expect(ok).toContain('Contact: <sip:100@127.0.0.1:5060>'); // the addressed user part
    expect(ok).toContain('Content-Type: application/sdp');
    s.clock.advance(500 + 1000 + 2000);
    expect(s.transport.sent.length).toBe(5); // 180, 200, +3 retransmissions (T1 doubling)
    const tag = toTagOf(ok);
    s.transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
    const dialog: Dialog = await accepted;
    expect(dialog.state).toBe('confirmed');
    s.clock.advance(10_000);
    expect(s.transport.sent.length).toBe(5);
    const ended: unknown[] = [];
    dialog.on('terminated', (e) => ended.push(e));
    let byes = 0;
    dialog.on('bye', () => byes++);
    s.transport.inject(rawRequest({ method: 'BYE', toTag: tag, cseq: 2, branch: 'z9hG4bK-bye' }));
    expect(s.statuses().at(-1)).toBe('SIP/2.0 200 OK');
    expect(byes).toBe(1);
    expect(ended).toEqual([{ reason: 'remote-bye' }]);
    expect(s.ua.dialogCount).toBe(0);
    s.clock.advance(64 * 500);
    expect(s.ua.stats).toEqual({ dialogs: 0, pendingCalls: 0, clientTransactions: 0, serverTransactions: 0 });
    expect(s.clock.pending()).toBe(0);
  });

  it('rejects accept() and sends BYE when no ACK arrives within 64*T1', async () => {
    const s = await setup();
    s.ua.on('invite', (c: IncomingCall) => {
      c.accept({ body: SDP, contentType: 'application/sdp' }).catch((e: Error) => errors.push(e.message));
    });
    const errors: string[] = [];
    s.transport.inject(rawRequest());
    s.clock.advance(32_000);
    await s.flush();
    expect(errors).toHaveLength(1);
    expect(s.statuses().filter((l) => l.startsWith('SIP/2.0 200'))).toHaveLength(11);
    expect(s.statuses().at(-1)).toMatch(/^BYE sip:alice@127.0.0.1:5070 SIP\/2.0/);
  });

  it('CANCEL: 200 to the CANCEL, 487 to the INVITE, cancel event', async () => {
    const s = await setup();
    const events: string[] = [];
    s.ua.on('invite', (c: IncomingCall) => {
      c.on('cancel', () => events.push('cancel'));
      c.on('terminated', () => events.push('terminated'));
    });
    s.transport.inject(rawRequest());
    s.clock.advance(100);
    s.transport.inject(rawRequest({ method: 'CANCEL' }));
    expect(s.statuses()).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated']);
    expect(events).toEqual(['cancel', 'terminated']);
    expect(s.transport.last()!.text).toContain('CSeq: 1 INVITE');
    // the ACK for the 487 is absorbed by the transaction
    s.transport.inject(rawRequest({ method: 'ACK', toTag: toTagOf(s.transport.last()!.text) }));
    expect(s.transport.sent).toHaveLength(3);
    // a CANCEL matching nothing -> 481
    s.transport.inject(rawRequest({ method: 'CANCEL', branch: 'z9hG4bK-other' }));
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    s.clock.advance(64 * 500);
    expect(s.ua.stats).toEqual({ dialogs: 0, pendingCalls: 0, clientTransactions: 0, serverTransactions: 0 });
    expect(s.clock.pending()).toBe(0);
  });

  it('reject() sends the final response, retransmits it until the ACK, and checks its status', async () => {
    const s = await setup();
    const ended: unknown[] = [];
    s.ua.on('invite', (c: IncomingCall) => {
      expect(() => c.reject(200)).toThrow(RangeError);
      c.on('terminated', (e) => ended.push(e));
      c.reject(486, { headers: [{ name: 'Retry-After', value: '30' }] });
    });
    s.transport.inject(rawRequest());
    expect(s.statuses()).toEqual(['SIP/2.0 486 Busy Here']);
    expect(s.transport.last()!.text).toContain('Retry-After: 30');
    expect(ended).toEqual([{ reason: 'rejected' }]);
    s.clock.advance(500); // Timer G
    expect(s.statuses()).toHaveLength(2);
    s.transport.inject(rawRequest({ method: 'ACK', toTag: toTagOf(s.transport.last()!.text) }));
    s.clock.advance(10_000);
    expect(s.statuses()).toHaveLength(2);
  });

  it('checks Require before matching a dialog (420 for in-dialog requests too)', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'BYE', toTag: 'x', extra: ['Require: foo'] }));
    expect(s.statuses()).toEqual(['SIP/2.0 420 Bad Extension']);
  });

  it('answers a retransmitted INVITE with the last response', async () => {
    const s = await setup();
    s.ua.on('invite', (c: IncomingCall) => c.progress(180));
    s.transport.inject(rawRequest());
    s.transport.inject(rawRequest());
    expect(s.statuses()).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']);
  });
});

describe('Dialog (UAS)', () => {
  async function established() {
    const s = await setup();
    let dialogPromise: Promise<Dialog> | undefined;
    s.ua.on('invite', (c: IncomingCall) => {
      dialogPromise = c.accept({ body: SDP, contentType: 'application/sdp' });
    });
    s.transport.inject(
      rawRequest({
        extra: ['Record-Route: <sip:127.0.0.1:5080;lr>, <sip:127.0.0.1:5090;lr>'],
        body: 'v=0\r\n',
      }),
    );
    const tag = toTagOf(s.transport.last()!.text);
    expect(s.transport.last()!.text).toContain(
      'Record-Route: <sip:127.0.0.1:5080;lr>, <sip:127.0.0.1:5090;lr>',
    );
    s.transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
    const dialog = await dialogPromise!;
    return { ...s, dialog, tag };
  }

  it('rejects a request with a lower CSeq with 500 (§12.2.2)', async () => {
    const s = await established();
    s.transport.inject(rawRequest({ method: 'INFO', toTag: s.tag, cseq: 5, branch: 'z9hG4bK-i1' }));
    s.transport.inject(rawRequest({ method: 'INFO', toTag: s.tag, cseq: 4, branch: 'z9hG4bK-i2' }));
    expect(s.statuses().slice(-2)).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 500 CSeq Out of Order']);
  });

  it('answers a session-refresh re-INVITE with the last SDP when nobody listens, and 2xx waits for ACK', async () => {
    const s = await established();
    s.transport.inject(rawRequest({ toTag: s.tag, cseq: 2, branch: 'z9hG4bK-re', body: 'v=0\r\n' }));
    const ok = s.transport.last()!.text;
    expect(ok).toMatch(/^SIP\/2.0 200 OK/);
    expect(ok).toContain('m=audio 4000');
    s.clock.advance(500);
    expect(s.transport.last()!.text).toBe(ok);
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.tag, cseq: 2, branch: 'z9hG4bK-re-ack' }));
    const n = s.transport.sent.length;
    s.clock.advance(5000);
    expect(s.transport.sent.length).toBe(n);
  });

  it('emits reinvite with a responder', async () => {
    const s = await established();
    s.dialog.on('reinvite', (_req, respond: (status: number) => void) => respond(488));
    s.transport.inject(rawRequest({ toTag: s.tag, cseq: 2, branch: 'z9hG4bK-re2', body: 'v=0\r\n' }));
    expect(s.statuses().at(-1)).toBe('SIP/2.0 488 Not Acceptable Here');
  });

  it('sends BYE via the route set (loose routing, §12.2.1.1) and resolves on its response', async () => {
    const s = await established();
    const done = s.dialog.bye();
    await s.flush();
    const bye = s.transport.last()!;
    expect(bye.text).toMatch(/^BYE sip:alice@127.0.0.1:5070 SIP\/2.0/);
    expect(bye.text).toContain('Route: <sip:127.0.0.1:5080;lr>');
    expect(bye.text).toContain(`From: <sip:100@127.0.0.1>;tag=${s.tag}`);
    expect(bye.text).toContain('To: <sip:alice@127.0.0.1:5070>;tag=alicetag');
    expect(bye.dest).toEqual({ protocol: 'udp', address: '127.0.0.1', port: 5080 });
    expect(s.dialog.state).toBe('terminated');
    s.transport.inject(rawResponseTo(bye.text, 200));
    await done;
  });
});
