/** Receiving REFER (RFC 3515 §2.4.2-§2.4.7, RFC 6665 notifier, RFC 4488), on FakeClock + FakeTransport. */
import { describe, expect, it } from 'vitest';
import { getHeader } from '../message/headers.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import type { DialogCredentials } from '../dialog/dialog.js';
import { formatReplaces } from '../dialog/replaces.js';
import { answeredCall, flush } from './dialog-fixture.js';
import type { IncomingRefer } from './refer-notifier.js';
import { ReferStateError } from './refer-notifier.js';
import { formatReferTo } from './refer-to.js';

/** A dialog whose `refer` listener keeps each IncomingRefer (and answers nothing itself). */
async function transferee(credentials?: DialogCredentials) {
  const s = await answeredCall(credentials);
  const refers: IncomingRefer[] = [];
  s.dialog.on('refer', (r) => refers.push(r));
  /** Alice sends REFER with `headers` (default Refer-To: <sip:carol@example.com>). */
  const refer = (headers: string[] = ['Refer-To: <sip:carol@example.com>']): string =>
    s.send({ method: 'REFER', headers });
  /** Everything we sent since `from`, as text. */
  const sentSince = (from: number): string[] => s.transport.sent.slice(from).map((m) => m.text);
  const notifies = (from = 0): string[] => sentSince(from).filter((t) => t.startsWith('NOTIFY '));
  /** A REFER accepted and its NOTIFY 100 answered 200; `mark` counts what was sent before it. */
  const accepted = async () => {
    const mark = s.transport.sent.length;
    refer();
    const r = refers[refers.length - 1]!;
    r.accept();
    await flush();
    await s.answer(notifies(mark)[0]!, 200);
    return { r, mark };
  };
  return { ...s, refers, refer, sentSince, notifies, accepted };
}

const header = (text: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(text)?.[1];
const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

describe('a REFER received in a dialog (RFC 3515 §2.4.2)', () => {
  it('accept(): 202 with Contact, then NOTIFY 100 Trying; notify() sends 180 active and 200 terminated', async () => {
    const s = await transferee();
    const mark = s.transport.sent.length;
    s.refer(['Refer-To: <sip:carol@example.com>', 'Referred-By: <sip:bob@example.com>']);
    expect(s.sentSince(mark)).toEqual([]); // not answered yet: the application decides
    expect(s.refers).toHaveLength(1);
    const r = s.refers[0]!;
    expect(r.target).toBe('sip:carol@example.com');
    expect(r.referredBy).toBe('<sip:bob@example.com>');
    expect(r.replaces).toBeUndefined();
    expect(r.subscription).toBe(true);
    expect(r.request.method).toBe('REFER');
    r.accept();
    await flush();
    const [res, first] = s.sentSince(mark);
    expect(res).toMatch(/^SIP\/2.0 202 Accepted\r\n/);
    expect(header(res!, 'Contact')).toMatch(/^<sip:/);
    expect(header(res!, 'Refer-Sub')).toBeUndefined();
    expect(first).toMatch(/^NOTIFY sip:alice@127.0.0.1:5070 SIP\/2.0\r\n/);
    expect(header(first!, 'Event')).toBe('refer');
    expect(header(first!, 'Subscription-State')).toBe('active;expires=60');
    expect(header(first!, 'Content-Type')).toBe('message/sipfrag;version=2.0');
    expect(header(first!, 'Contact')).toMatch(/^<sip:/);
    expect(header(first!, 'To')).toBe('<sip:alice@127.0.0.1:5070>;tag=alicetag');
    expect(bodyOf(first!)).toBe('SIP/2.0 100 Trying\r\n');
    // NOTIFYs go one at a time: 180 and 200 wait for the 200 OK to the previous one.
    const ringing = r.notify(180, 'Ringing');
    const ok = r.notify(200, 'OK');
    await flush();
    expect(s.notifies(mark)).toHaveLength(1);
    await s.answer(first!, 200);
    const second = s.notifies(mark)[1]!;
    expect(header(second, 'Subscription-State')).toBe('active;expires=60');
    expect(bodyOf(second)).toBe('SIP/2.0 180 Ringing\r\n');
    await s.answer(second, 200);
    await ringing;
    const third = s.notifies(mark)[2]!;
    expect(header(third, 'Subscription-State')).toBe('terminated;reason=noresource');
    expect(bodyOf(third)).toBe('SIP/2.0 200 OK\r\n');
    const seqs = [first!, second, third].map((t) => Number(/\r\nCSeq: (\d+) NOTIFY/.exec(t)![1]));
    expect(seqs[1]).toBe(seqs[0]! + 1);
    expect(seqs[2]).toBe(seqs[1]! + 1);
    await s.answer(third, 200);
    await ok;
    // After the final NOTIFY nothing more is sent.
    await r.notify(486, 'Busy Here');
    expect(s.notifies(mark)).toHaveLength(3);
    expect(s.dialog.state).toBe('confirmed');
  });

  it('without a listener the REFER is declined with 603 (not 405)', async () => {
    const s = await answeredCall();
    expect(s.send({ method: 'REFER', headers: ['Refer-To: <sip:carol@example.com>'] })).toBe(
      'SIP/2.0 603 Declined',
    );
  });

  it('checks Refer-To: none or two -> 400, unsupported scheme -> 403, bad Replaces -> 400; no event', async () => {
    const s = await transferee();
    expect(s.refer([])).toMatch(/^SIP\/2.0 400 /);
    expect(s.refer(['Refer-To: <sip:a@x>', 'Refer-To: <sip:b@x>'])).toMatch(/^SIP\/2.0 400 /);
    expect(s.refer(['Refer-To: <sip:a@x>, <sip:b@x>'])).toMatch(/^SIP\/2.0 400 /);
    expect(s.refer(['Refer-To: <sip:a@x'])).toMatch(/^SIP\/2.0 400 /);
    expect(s.refer(['Refer-To: <http://www.example.com/>'])).toMatch(/^SIP\/2.0 403 /);
    expect(s.refer(['Refer-To: <tel:+15551234567>'])).toMatch(/^SIP\/2.0 403 /);
    expect(s.refer(['Refer-To: <sip:c@x?Replaces=abc%3Bto-tag%3D1>'])).toMatch(/^SIP\/2.0 400 /);
    expect(s.refers).toHaveLength(0);
    expect(s.dialog.state).toBe('confirmed');
  });

  it('attended transfer: replaces from the Refer-To ?Replaces= (RFC 3891 §6.1); target without ?headers', async () => {
    const s = await transferee();
    const dialogToReplace = { callId: 'abc@10.0.0.1', localTag: 'ours', remoteTag: 'carols' };
    // The compact form r: and the URI as the transferor's stack writes it.
    s.refer([`r: ${formatReferTo('sip:carol@example.com;transport=tcp', dialogToReplace)}`]);
    const r = s.refers[0]!;
    expect(r.target).toBe('sip:carol@example.com;transport=tcp');
    expect(r.replaces).toEqual(dialogToReplace);
    // The INVITE's Replaces names the dialog as carol sees it: to-tag is her tag.
    expect(formatReplaces(r.replaces!)).toBe('abc@10.0.0.1;to-tag=carols;from-tag=ours');
  });

  it('Refer-Sub: false (RFC 4488 §4): 202 with Refer-Sub: false, no NOTIFY at all', async () => {
    const s = await transferee();
    const mark = s.transport.sent.length;
    s.refer(['Refer-To: <sip:carol@example.com>', 'Refer-Sub: false', 'Supported: norefersub']);
    const r = s.refers[0]!;
    expect(r.subscription).toBe(false);
    r.accept();
    await r.notify(200, 'OK');
    await flush();
    const sent = s.sentSince(mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^SIP\/2.0 202 /);
    expect(header(sent[0]!, 'Refer-Sub')).toBe('false');
    s.clock.advance(120_000);
    await flush();
    expect(s.notifies(mark)).toHaveLength(0);
  });

  it('Refer-Sub: true and Require: norefersub are accepted (norefersub is Supported)', async () => {
    const s = await transferee();
    s.refer(['Refer-To: <sip:carol@example.com>', 'Refer-Sub: true', 'Require: norefersub']);
    expect(s.refers[0]?.subscription).toBe(true);
  });

  it('NOTIFYs of the second REFER in the dialog carry id=<its CSeq> (RFC 3515 §2.4.6)', async () => {
    const s = await transferee();
    s.refer();
    s.refers[0]!.reject(603);
    const mark = s.transport.sent.length;
    s.refer(['Refer-To: <sip:dave@example.com>']);
    const second = s.refers[1]!;
    const seq = Number(getHeader(second.request, 'CSeq')!.split(' ')[0]);
    second.accept();
    await flush();
    expect(header(s.notifies(mark)[0]!, 'Event')).toBe(`refer;id=${seq}`);
  });

  it('reject(): the status goes out; notify() then rejects with ReferStateError; bad statuses throw', async () => {
    const s = await transferee();
    const mark = s.transport.sent.length;
    s.refer();
    const r = s.refers[0]!;
    expect(() => r.reject(202)).toThrow(RangeError);
    await expect(r.notify(100, 'Trying')).rejects.toBeInstanceOf(ReferStateError);
    r.reject(603, 'Not Now');
    r.reject(486); // answered already: ignored
    r.accept(); // ignored
    expect(s.sentSince(mark)).toEqual([expect.stringMatching(/^SIP\/2.0 603 Not Now\r\n/)]);
    await expect(r.notify(200, 'OK')).rejects.toBeInstanceOf(ReferStateError);
    s.refer();
    s.refers[1]!.accept();
    await expect(s.refers[1]!.notify(99, 'x')).rejects.toBeInstanceOf(RangeError);
  });

  it('a listener that throws gets the REFER a 500', async () => {
    const s = await answeredCall();
    s.dialog.on('refer', () => {
      throw new Error('app bug');
    });
    expect(s.send({ method: 'REFER', headers: ['Refer-To: <sip:carol@example.com>'] })).toMatch(
      /^SIP\/2.0 500 /,
    );
  });

  it('60 s without a NOTIFY: the subscription ends with terminated;reason=timeout and the last status', async () => {
    const s = await transferee();
    const { r, mark } = await s.accepted();
    s.clock.advance(30_000);
    void r.notify(180, 'Ringing'); // restarts the 60 s
    await flush();
    await s.answer(s.notifies(mark)[1]!, 200);
    s.clock.advance(59_999);
    await flush();
    expect(s.notifies(mark)).toHaveLength(2);
    s.clock.advance(1);
    await flush();
    const last = s.notifies(mark)[2]!;
    expect(header(last, 'Subscription-State')).toBe('terminated;reason=timeout');
    expect(bodyOf(last)).toBe('SIP/2.0 180 Ringing\r\n');
    await s.answer(last, 200);
    await r.notify(200, 'OK');
    expect(s.notifies(mark)).toHaveLength(3);
  });

  it('a 481 to a NOTIFY ends the subscription, not the call (RFC 6665 §4.2.2)', async () => {
    const s = await transferee();
    const mark = s.transport.sent.length;
    s.refer();
    const r = s.refers[0]!;
    r.accept();
    const queued = r.notify(180, 'Ringing');
    await flush();
    await s.answer(s.notifies(mark)[0]!, 481);
    await queued;
    await r.notify(200, 'OK');
    expect(s.notifies(mark)).toHaveLength(1);
    expect(s.dialog.state).toBe('confirmed');
  });

  it('a 407 to a NOTIFY is answered with the dialog credentials (in-dialog digest, RFC 3261 §22.2)', async () => {
    const s = await transferee({ username: '100', password: 'secret' });
    const mark = s.transport.sent.length;
    s.refer();
    s.refers[0]!.accept();
    await flush();
    const first = s.notifies(mark)[0]!;
    await s.answer(first, 407, ['Proxy-Authenticate: Digest realm="pbx", nonce="n1"']);
    const retry = s.notifies(mark)[1]!;
    expect(retry).toMatch(/\r\nProxy-Authorization: Digest username="100"/);
    expect(header(retry, 'Event')).toBe('refer');
    expect(bodyOf(retry)).toBe('SIP/2.0 100 Trying\r\n');
  });

  it('after the dialog ends (BYE) notify() resolves without sending', async () => {
    const s = await transferee();
    const { r } = await s.accepted();
    s.transport.inject(rawRequest({ method: 'BYE', toTag: s.tag, cseq: 99, branch: 'z9hG4bK-bye' }));
    const mark = s.transport.sent.length;
    await r.notify(200, 'OK');
    s.clock.advance(120_000);
    await flush();
    expect(s.notifies(mark)).toHaveLength(0);
  });

  it('the sipfrag reason stays one line (a far end reason phrase with CRLF cannot inject headers)', async () => {
    const s = await transferee();
    const { r, mark } = await s.accepted();
    void r.notify(486, 'Busy\r\nEvil: yes');
    await flush();
    expect(bodyOf(s.notifies(mark)[1]!)).toBe('SIP/2.0 486 Busy Evil: yes\r\n');
  });
});

describe('REFER at the UA core', () => {
  it('outside a dialog: 403; OPTIONS lists REFER in Allow and norefersub in Supported', async () => {
    const s = await answeredCall();
    s.transport.inject(rawRequest({ method: 'REFER', callId: 'other', extra: ['Refer-To: <sip:c@x>'] }));
    expect(s.transport.last()!.text).toMatch(/^SIP\/2.0 403 /);
    s.transport.inject(rawRequest({ method: 'OPTIONS', callId: 'other2', branch: 'z9hG4bK-o' }));
    const options = s.transport.last()!.text;
    expect(
      header(options, 'Allow')
        ?.split(', ')
        .filter((m) => m === 'REFER'),
    ).toEqual(['REFER']);
    expect(header(options, 'Supported')).toMatch(/norefersub/);
    s.transport.inject(rawRequest({ method: 'SUBSCRIBE', callId: 'other3', branch: 'z9hG4bK-s' }));
    const refused = s.transport.last()!.text;
    expect(refused).toMatch(/^SIP\/2.0 405 /);
    expect(header(refused, 'Allow')).toMatch(/REFER/);
  });
});
