import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog } from './dialog.js';
import { DialogStateError } from './dialog.js';

async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function uasDialog() {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  let pending: Promise<Dialog> | undefined;
  ua.on('invite', (c: IncomingCall) => {
    pending = c.accept({ body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
  });
  transport.inject(rawRequest());
  const tag = /To:[^\r]*;tag=(\w+)/.exec(transport.last()!.text)![1]!;
  transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
  const dialog = await pending!;
  return { clock, transport, ua, dialog, tag };
}

async function uacDialog() {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  const p = ua.invite('sip:bob@127.0.0.1:5070', {
    body: Buffer.from('v=0\r\n'),
    contentType: 'application/sdp',
  });
  await ticks();
  const invite = transport.last()!.text;
  const ok = rawResponseTo(invite, 200, {
    toTag: 'bobtag',
    extra: [
      'Contact: <sip:bob@127.0.0.1:5071>',
      'Record-Route: <sip:127.0.0.1:5090;lr>, <sip:127.0.0.1:5080;lr>',
    ],
  });
  transport.inject(ok);
  const dialog = await p;
  await ticks();
  return { clock, transport, ua, dialog, ok };
}

describe('Dialog', () => {
  it('UAC: ACKs the 2xx via the reversed route set and re-sends the ACK for 2xx retransmissions', async () => {
    const s = await uacDialog();
    expect(s.dialog.state).toBe('confirmed');
    expect(s.dialog.role).toBe('uac');
    const ack = s.transport.last()!;
    expect(ack.text).toMatch(/^ACK sip:bob@127.0.0.1:5071 SIP\/2.0/);
    expect(ack.text).toContain('CSeq: 1 ACK');
    expect(ack.text).toMatch(/Route: <sip:127.0.0.1:5080;lr>\r\nRoute: <sip:127.0.0.1:5090;lr>/);
    expect(ack.dest.port).toBe(5080);
    s.transport.inject(s.ok);
    await ticks();
    expect(s.transport.sent.filter((m) => m.text.startsWith('ACK'))).toHaveLength(2);
  });

  it('UAC: rejects a re-INVITE while one is in progress, answers a crossing re-INVITE with 491 (§14)', async () => {
    const s = await uacDialog();
    const reinvite = s.dialog.request('INVITE', {
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
    });
    await ticks();
    await expect(s.dialog.request('INVITE')).rejects.toBeInstanceOf(DialogStateError);
    s.transport.inject(
      rawRequest({
        uri: 'sip:voice-assistant@127.0.0.1:5060',
        fromTag: 'bobtag',
        toTag: s.dialog.localTag,
        callId: s.dialog.callId,
        cseq: 7,
        branch: 'z9hG4bK-glare',
      })
        .replace(/From: [^\r]*/, 'From: <sip:bob@127.0.0.1>;tag=bobtag')
        .replace(/To: [^\r]*/, `To: <sip:bob@127.0.0.1:5070>;tag=${s.dialog.localTag}`),
    );
    expect(s.transport.last()!.text).toMatch(/^SIP\/2.0 491 /);
    const sentReinvite = s.transport.sent.find(
      (m) => m.text.startsWith('INVITE') && m.text.includes('CSeq: 2 INVITE'),
    )!;
    s.transport.inject(rawResponseTo(sentReinvite.text, 491, { toTag: 'bobtag' }));
    expect((await reinvite).status).toBe(491);
  });

  it('terminates on 481 to an in-dialog request (§12.2.1.2)', async () => {
    const s = await uasDialog();
    const p = s.dialog.request('INFO', { body: Buffer.from('x'), contentType: 'text/plain' });
    await ticks();
    s.transport.inject(rawResponseTo(s.transport.last()!.text, 481));
    expect((await p).status).toBe(481);
    expect(s.dialog.state).toBe('terminated');
    await expect(s.dialog.request('INFO')).rejects.toBeInstanceOf(DialogStateError);
  });

  it('emits info after answering 200', async () => {
    const s = await uasDialog();
    const infos: string[] = [];
    s.dialog.on('info', (req: { body: Buffer }) => infos.push(req.body.toString()));
    s.transport.inject(
      rawRequest({ method: 'INFO', toTag: s.tag, cseq: 2, branch: 'z9hG4bK-info', body: 'Signal=5' }),
    );
    expect(infos).toEqual(['Signal=5']);
    expect(s.transport.last()!.text).toMatch(/^SIP\/2.0 200 OK/);
  });
});

describe('UAC INVITE with digest auth (RFC 3261 §22.2)', () => {
  it('ACKs the 407 and re-sends the INVITE with Proxy-Authorization and CSeq + 1', async () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('udp');
    const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
    await ua.start();
    const p = ua.invite('sip:bob@127.0.0.1:5070', {
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
      credentials: { username: 'alice', password: 'pw' },
    });
    await ticks();
    const first = transport.last()!.text;
    transport.inject(
      rawResponseTo(first, 407, {
        toTag: 'proxy',
        extra: ['Proxy-Authenticate: Digest realm="r", nonce="abc", qop="auth"'],
      }),
    );
    await ticks();
    const [ack, second] = transport.sent.slice(-2).map((m) => m.text);
    expect(ack).toMatch(/^ACK /);
    expect(second).toMatch(/^INVITE /);
    expect(second).toContain('CSeq: 2 INVITE');
    expect(second).toMatch(
      /Proxy-Authorization: Digest username="alice", realm="r", uri="sip:bob@127.0.0.1:5070"/,
    );
    expect(/Call-ID: (.*)/.exec(second!)![1]).toBe(/Call-ID: (.*)/.exec(first)![1]);
    // a second non-stale challenge means bad credentials: the call fails
    transport.inject(
      rawResponseTo(second!, 407, {
        toTag: 'proxy',
        extra: ['Proxy-Authenticate: Digest realm="r", nonce="def"'],
      }),
    );
    await expect(p).rejects.toThrow(/407/);
  });
});

describe('Dialog (UAS) re-INVITE without ACK', () => {
  it('sends BYE when the 2xx to a re-INVITE is never ACKed (§13.3.1.4)', async () => {
    const s = await uasDialog();
    const ended: unknown[] = [];
    s.dialog.on('terminated', (e) => ended.push(e));
    s.transport.inject(rawRequest({ toTag: s.tag, cseq: 2, branch: 'z9hG4bK-re', body: 'v=0\r\n' }));
    expect(s.transport.last()!.text).toMatch(/^SIP\/2.0 200 OK/);
    s.clock.advance(64 * 500);
    await ticks();
    expect(s.transport.last()!.text).toMatch(/^BYE sip:alice@127.0.0.1:5070 SIP\/2.0/);
    expect(ended).toEqual([{ reason: 'ack-timeout' }]);
  });
});

describe('UAC forked 2xx', () => {
  it('ACKs and hangs up a second dialog created by a forked 2xx', async () => {
    const s = await uacDialog();
    const invite = s.transport.sent.find((m) => m.text.startsWith('INVITE'))!.text;
    s.transport.inject(
      rawResponseTo(invite, 200, { toTag: 'other', extra: ['Contact: <sip:carol@127.0.0.1:5072>'] }),
    );
    await ticks(40);
    const lines = s.transport.sent.map((m) => m.text.split('\r\n')[0]);
    expect(lines.slice(-2)).toEqual([
      'ACK sip:carol@127.0.0.1:5072 SIP/2.0',
      'BYE sip:carol@127.0.0.1:5072 SIP/2.0',
    ]);
    expect(s.dialog.state).toBe('confirmed');
  });
});
