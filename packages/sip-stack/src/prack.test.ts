/** RFC 3262 UAS: reliable provisional responses (100rel) and PRACK, with FakeClock + FakeTransport. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from './testing/fake-clock.js';
import { FakeTransport } from './testing/fake-transport.js';
import { rawRequest } from './testing/sip-fixtures.js';
import { UserAgent } from './user-agent.js';
import type { IncomingCall } from './user-agent.js';
import { CallStateError } from './user-agent.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

async function setup(inviteExtra: string[] = ['Supported: 100rel', 'Require: 100rel']) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp', { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({
    transports: [],
    transportInstances: [transport],
    clock,
    userAgent: 'test-ua/1',
  });
  await ua.start();
  let call: IncomingCall | undefined;
  ua.on('invite', (c: IncomingCall) => {
    call = c;
  });
  transport.inject(rawRequest({ body: 'v=0\r\n', extra: inviteExtra }));
  // The automatic 100 Trying (sent when the application does not answer at once) is left out.
  const statuses = () =>
    transport.sent.map((s) => s.text.split('\r\n')[0] ?? '').filter((l) => l !== 'SIP/2.0 100 Trying');
  const count180 = () => transport.sent.filter((m) => m.text.startsWith('SIP/2.0 180')).length;
  const header = (text: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)`).exec(text)?.[1];
  const prack = (rack: string, o: { toTag?: string; branch?: string; cseq?: number } = {}) =>
    transport.inject(
      rawRequest({
        method: 'PRACK',
        toTag: o.toTag ?? call!.localTag,
        cseq: o.cseq ?? 2,
        branch: o.branch ?? 'z9hG4bK-prack-1',
        extra: [`RAck: ${rack}`],
      }),
    );
  return { clock, transport, ua, call: call!, statuses, count180, header, prack };
}

describe('RFC 3262 reliable provisional responses (UAS)', () => {
  it('advertises 100rel in Supported and no longer answers 420 to Require: 100rel', async () => {
    const s = await setup();
    expect(s.call).toBeDefined();
    s.transport.inject(rawRequest({ method: 'OPTIONS', callId: 'o1', branch: 'z9hG4bK-o1' }));
    const opt = s.transport.last()!.text;
    expect(s.header(opt, 'Supported')?.split(/\s*,\s*/)).toContain('100rel');
    expect(s.header(opt, 'Allow')).toContain('PRACK');
  });

  it('sends a reliable 180 (Require: 100rel, RSeq, To tag), retransmits it T1-doubling until the PRACK, 200 to the PRACK, then the 2xx', async () => {
    const s = await setup();
    s.call.progress(180);
    const r180 = s.transport.last()!.text;
    expect(r180).toMatch(/^SIP\/2.0 180 /);
    expect(s.header(r180, 'Require')).toBe('100rel');
    const rseq = Number(s.header(r180, 'RSeq'));
    expect(rseq).toBeGreaterThanOrEqual(1);
    expect(rseq).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(s.header(r180, 'To')).toContain(`;tag=${s.call.localTag}`);
    // §3: retransmitted at T1, 2*T1, 4*T1 ... (500, 1000, 2000 ms)
    s.clock.advance(499);
    expect(s.count180()).toBe(1);
    s.clock.advance(1);
    expect(s.count180()).toBe(2);
    s.clock.advance(999);
    expect(s.count180()).toBe(2);
    s.clock.advance(1);
    expect(s.count180()).toBe(3);
    s.clock.advance(2000);
    expect(s.count180()).toBe(4);
    expect(s.transport.last()!.text).toBe(r180);

    // The 2xx waits for the PRACK (§3).
    const accepted = s.call.accept({ body: SDP, contentType: 'application/sdp' });
    await Promise.resolve();
    expect(s.statuses().filter((l) => l.startsWith('SIP/2.0 200'))).toEqual([]);

    s.prack(`${rseq} 1 INVITE`);
    const ok = s.transport.sent.at(-1)!.text;
    expect(ok).toMatch(/^SIP\/2.0 200 /);
    expect(s.header(ok, 'CSeq')).toBe('2 PRACK');
    expect(s.header(ok, 'To')).toContain(`;tag=${s.call.localTag}`);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const inv = s.transport.sent.at(-1)!.text;
    expect(s.header(inv, 'CSeq')).toBe('1 INVITE');
    expect(inv).toMatch(/^SIP\/2.0 200 /);
    const count = s.transport.sent.filter((m) => m.text.startsWith('SIP/2.0 180')).length;
    // No 180 retransmission after the PRACK.
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.call.localTag, branch: 'z9hG4bK-ack' }));
    const dialog = await accepted;
    expect(dialog.state).toBe('confirmed');
    s.clock.advance(60_000);
    expect(s.transport.sent.filter((m) => m.text.startsWith('SIP/2.0 180')).length).toBe(count);
    await s.ua.stop();
  });

  it('answers 481 to a PRACK with a wrong RAck (RSeq, CSeq or method) and keeps retransmitting', async () => {
    const s = await setup();
    s.call.progress(180);
    const rseq = Number(s.header(s.transport.last()!.text, 'RSeq'));
    s.prack(`${rseq + 1} 1 INVITE`, { branch: 'z9hG4bK-p1' });
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    s.prack(`${rseq} 7 INVITE`, { branch: 'z9hG4bK-p2', cseq: 3 });
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    s.prack(`${rseq} 1 INVITE`, { branch: 'z9hG4bK-p3', cseq: 4, toTag: 'other-tag' });
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    s.clock.advance(500);
    expect(s.statuses().at(-1)).toBe('SIP/2.0 180 Ringing');
    s.prack(`${rseq} 1 INVITE`, { branch: 'z9hG4bK-p4', cseq: 5 });
    expect(s.statuses().at(-1)).toBe('SIP/2.0 200 OK');
    await s.ua.stop();
  });

  it('answers 481 to a PRACK outside any early dialog', async () => {
    const s = await setup();
    s.transport.inject(
      rawRequest({
        method: 'PRACK',
        callId: 'nope',
        toTag: 'x',
        branch: 'z9hG4bK-n1',
        extra: ['RAck: 1 1 INVITE'],
      }),
    );
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    await s.ua.stop();
  });

  it('rejects the INVITE with a 5xx after 64*T1 without a PRACK; a pending accept() fails', async () => {
    const s = await setup();
    const ended: unknown[] = [];
    s.call.on('terminated', (e) => ended.push(e));
    s.call.progress(180);
    const accepted = s.call.accept({ body: SDP, contentType: 'application/sdp' });
    const failure = accepted.catch((e: unknown) => e);
    s.clock.advance(64 * 500 - 1);
    // 1 + retransmissions at 500, 1500, 3500, 7500, 15500, 31500
    expect(s.transport.sent.filter((m) => m.text.startsWith('SIP/2.0 180')).length).toBe(7);
    s.clock.advance(1);
    expect(s.statuses().at(-1)).toBe('SIP/2.0 504 No PRACK');
    expect(await failure).toBeInstanceOf(CallStateError);
    expect(ended).toEqual([{ reason: 'prack-timeout' }]);
    s.clock.advance(64 * 500);
    expect(s.transport.sent.filter((m) => m.text.startsWith('SIP/2.0 180')).length).toBe(7);
    await s.ua.stop();
  });

  it('queues a second reliable provisional until the first is PRACKed (RSeq + 1)', async () => {
    const s = await setup();
    s.call.progress(180);
    const rseq = Number(s.header(s.transport.last()!.text, 'RSeq'));
    s.call.progress(183, { body: SDP, contentType: 'application/sdp' });
    expect(s.statuses()).toEqual(['SIP/2.0 180 Ringing']);
    s.prack(`${rseq} 1 INVITE`);
    // The queued 183 goes out as the PRACK is accepted (just before the PRACK's 200).
    expect(s.statuses()).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 183 Session Progress', 'SIP/2.0 200 OK']);
    expect(Number(s.header(s.transport.sent.at(-2)!.text, 'RSeq'))).toBe(rseq + 1);
    await s.ua.stop();
  });

  it('with only Supported: 100rel, a bodiless 180 is unreliable and a 183 with SDP is reliable', async () => {
    const s = await setup(['Supported: 100rel']);
    s.call.progress(180);
    expect(s.header(s.transport.last()!.text, 'RSeq')).toBeUndefined();
    s.call.progress(183, { body: SDP, contentType: 'application/sdp' });
    expect(s.header(s.transport.last()!.text, 'RSeq')).toBeDefined();
    expect(s.header(s.transport.last()!.text, 'Require')).toBe('100rel');
    await s.ua.stop();
  });

  it('without 100rel in the INVITE, the 180 is unreliable and the 2xx is sent at once', async () => {
    const s = await setup([]);
    s.call.progress(180);
    expect(s.header(s.transport.last()!.text, 'RSeq')).toBeUndefined();
    void s.call.accept({ body: SDP, contentType: 'application/sdp' }).catch(() => undefined);
    expect(s.statuses()).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
    await s.ua.stop();
  });

  it('after a non-2xx final with a 180 unacknowledged: retransmissions stop, a late PRACK still gets 200 (within 64*T1)', async () => {
    const s = await setup();
    s.call.progress(180);
    const rseq = Number(s.header(s.transport.last()!.text, 'RSeq'));
    s.call.reject(486);
    expect(s.statuses().at(-1)).toBe('SIP/2.0 486 Busy Here');
    s.clock.advance(1000);
    expect(s.count180()).toBe(1);
    s.prack(`${rseq} 1 INVITE`);
    expect(s.statuses().at(-1)).toBe('SIP/2.0 200 OK');
    s.call.progress(180); // ignored after the final response
    expect(s.count180()).toBe(1);
    await s.ua.stop();
  });

  it('a PRACK for a call rejected more than 64*T1 ago gets 481', async () => {
    const s = await setup();
    s.call.progress(180);
    const rseq = Number(s.header(s.transport.last()!.text, 'RSeq'));
    s.call.reject(486);
    s.clock.advance(64 * 500);
    s.prack(`${rseq} 1 INVITE`);
    expect(s.statuses().at(-1)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    await s.ua.stop();
  });

  it('CANCEL while accept() waits for the PRACK: 487, accept() fails, retransmissions stop', async () => {
    const s = await setup();
    s.call.progress(180);
    const failure = s.call.accept({ body: SDP, contentType: 'application/sdp' }).catch((e: unknown) => e);
    s.transport.inject(rawRequest({ method: 'CANCEL', branch: 'z9hG4bK-peer-1' }));
    expect(s.statuses()).toContain('SIP/2.0 487 Request Terminated');
    expect(await failure).toBeInstanceOf(CallStateError);
    const n = s.transport.sent.length;
    s.clock.advance(2000);
    expect(s.transport.sent.filter((m, i) => i >= n && m.text.startsWith('SIP/2.0 180'))).toEqual([]);
    await s.ua.stop();
  });
});
