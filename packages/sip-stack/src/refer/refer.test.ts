/** REFER with NOTIFY/sipfrag progress (RFC 3515, RFC 6665, RFC 4488), on FakeClock + FakeTransport. */
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/sip-fixtures.js';
import { answeredCall, flush } from './dialog-fixture.js';
import type { ReferOutcome } from './refer-subscription.js';
import { formatReferTo } from './refer-to.js';
import { parseSipfragStatus } from './sipfrag.js';

function progressOf(outcome: ReferOutcome): Array<[number, string]> {
  const seen: Array<[number, string]> = [];
  outcome.on('progress', (status, reason) => seen.push([status, reason]));
  return seen;
}

describe('Dialog.refer (RFC 3515)', () => {
  it('sends REFER with Refer-To and Referred-By; NOTIFYs report progress; terminated resolves done', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer('sip:200@pbx.example.com', {
      referredBy: 'sip:100@pbx.example.com',
    });
    expect(sent).toMatch(/^REFER sip:alice@127.0.0.1:5070 SIP\/2.0\r\n/);
    expect(sent).toContain('\r\nRefer-To: <sip:200@pbx.example.com>\r\n');
    expect(sent).toContain('\r\nReferred-By: <sip:100@pbx.example.com>\r\n');
    await s.answer(sent, 202);
    const outcome = await pending;
    expect(outcome.accepted).toBe(true);
    expect(outcome.response.status).toBe(202);
    const seen = progressOf(outcome);
    const seq = Number(/\r\nCSeq: (\d+) REFER/.exec(sent)![1]);
    expect(s.notify({ event: `refer;id=${seq}`, frag: 'SIP/2.0 100 Trying\r\n' })).toBe('SIP/2.0 200 OK');
    expect(s.notify({ event: `refer;id=${seq}`, frag: 'SIP/2.0 180 Ringing\r\n' })).toBe('SIP/2.0 200 OK');
    expect(
      s.notify({
        event: `refer;id=${seq}`,
        state: 'terminated;reason=noresource',
        frag: 'SIP/2.0 200 OK\r\n',
      }),
    ).toBe('SIP/2.0 200 OK');
    expect(await outcome.done).toBe(200);
    expect(seen).toEqual([
      [100, 'Trying'],
      [180, 'Ringing'],
      [200, 'OK'],
    ]);
    // RFC 6665 §4.1.3: the subscription is gone -> 481.
    expect(s.notify({ event: `refer;id=${seq}`, frag: 'SIP/2.0 200 OK\r\n' })).toMatch(/^SIP\/2.0 481 /);
    expect(s.dialog.state).toBe('confirmed');
  });

  it('a failed transfer ends with the sipfrag status of the terminating NOTIFY (486)', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    await s.answer(sent, 202);
    const outcome = await pending;
    s.notify({ state: 'terminated', frag: 'SIP/2.0 486 Busy Here' });
    expect(await outcome.done).toBe(486);
  });

  it('a NOTIFY that overtakes the 202 is processed; late listeners get the progress so far', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    expect(s.notify({ frag: 'SIP/2.0 100 Trying\r\n' })).toBe('SIP/2.0 200 OK');
    await s.answer(sent, 202);
    const outcome = await pending;
    expect(progressOf(outcome)).toEqual([[100, 'Trying']]);
  });

  it('builds Refer-To with an escaped Replaces for an attended transfer (RFC 3891 §6.1)', async () => {
    const s = await answeredCall();
    const { sent } = await s.refer('sip:carol@example.com', {
      replaces: { callId: 'abc@10.0.0.1', localTag: 'ours', remoteTag: 'carols' },
    });
    expect(sent).toContain(
      '\r\nRefer-To: <sip:carol@example.com?Replaces=abc%4010.0.0.1%3Bto-tag%3Dcarols%3Bfrom-tag%3Dours>\r\n',
    );
  });

  it('a refused REFER resolves done undefined at once', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    await s.answer(sent, 603);
    const outcome = await pending;
    expect(outcome.accepted).toBe(false);
    expect(await outcome.done).toBeUndefined();
    expect(s.notify({ frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 481 /);
  });

  it('Refer-Sub: false in the 2xx (RFC 4488 §4): no subscription, done undefined at once', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer('sip:200@x', {
      headers: [{ name: 'Refer-Sub', value: 'false' }],
    });
    expect(sent).toContain('\r\nRefer-Sub: false\r\n');
    await s.answer(sent, 202, ['Refer-Sub: false']);
    const outcome = await pending;
    expect(outcome.accepted).toBe(true);
    expect(await outcome.done).toBeUndefined();
  });

  it('done resolves undefined 64*T1 after the last NOTIFY; each NOTIFY restarts the wait', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    await s.answer(sent, 202);
    const outcome = await pending;
    let done: number | undefined | 'pending' = 'pending';
    void outcome.done.then((v) => (done = v));
    s.clock.advance(31_000);
    s.notify({ frag: 'SIP/2.0 180 Ringing' });
    s.clock.advance(31_999);
    await flush();
    expect(done).toBe('pending');
    s.clock.advance(1);
    await flush();
    expect(done).toBeUndefined();
  });

  it('notifyTimeoutMs is configurable', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer('sip:200@x', { notifyTimeoutMs: 5000 });
    await s.answer(sent, 202);
    const outcome = await pending;
    let settled = false;
    void outcome.done.then(() => (settled = true));
    s.clock.advance(4999);
    await flush();
    expect(settled).toBe(false);
    s.clock.advance(1);
    await flush();
    expect(settled).toBe(true);
  });

  it('done resolves undefined when the dialog ends (BYE from the transferee)', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    await s.answer(sent, 202);
    const outcome = await pending;
    s.transport.inject(rawRequest({ method: 'BYE', toTag: s.tag, cseq: 99, branch: 'z9hG4bK-bye' }));
    expect(await outcome.done).toBeUndefined();
  });

  it('matches NOTIFYs of two REFERs by id; a NOTIFY without id belongs to the first REFER (RFC 3515 §2.4.6)', async () => {
    const s = await answeredCall();
    const first = await s.refer('sip:a@x');
    await s.answer(first.sent, 202);
    const second = await s.refer('sip:b@x');
    await s.answer(second.sent, 202);
    const [o1, o2] = [await first.pending, await second.pending];
    const seq2 = Number(/\r\nCSeq: (\d+) REFER/.exec(second.sent)![1]);
    s.notify({ event: `refer;id=${seq2}`, state: 'terminated', frag: 'SIP/2.0 503 Service Unavailable' });
    s.notify({ state: 'terminated', frag: 'SIP/2.0 200 OK' });
    expect(await o1.done).toBe(200);
    expect(await o2.done).toBe(503);
  });

  it('answers bad NOTIFYs with the RFC codes and never throws', async () => {
    const s = await answeredCall();
    const { pending, sent } = await s.refer();
    await s.answer(sent, 202);
    const outcome = await pending;
    expect(s.notify({ event: null, frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 400 /);
    expect(s.notify({ event: 'presence', frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 481 /);
    expect(s.notify({ event: 'refer;id=999999', frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 481 /);
    expect(s.notify({ event: 'refer;id=x1', frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 481 /);
    expect(s.notify({ state: null, frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 400 /);
    expect(s.notify({ frag: 'v=0\r\n', contentType: 'application/sdp' })).toMatch(/^SIP\/2.0 415 /);
    expect(s.transport.last()!.text).toContain('\r\nAccept: message/sipfrag\r\n');
    expect(s.notify({ frag: 'HTTP/1.1 200 OK' })).toMatch(/^SIP\/2.0 400 /);
    expect(s.notify({})).toBe('SIP/2.0 200 OK'); // no body: accepted, no progress
    expect(progressOf(outcome)).toEqual([]);
    expect(s.notify({ state: 'terminated', frag: 'SIP/2.0 9' })).toMatch(/^SIP\/2.0 400 /);
    expect(await outcome.done).toBeUndefined();
    // NOTIFY outside any dialog, or in an unknown one: 481.
    expect(s.notify({ toTag: 'unknown', frag: 'SIP/2.0 100 Trying' })).toMatch(/^SIP\/2.0 481 /);
  });

  it('credentials from accept() answer a 407 to the REFER; NOTIFYs then carry the new CSeq as id', async () => {
    const s = await answeredCall({ username: '100', authUsername: 'auth-id-100', password: 'secret' });
    const { pending, sent } = await s.refer('sip:200@pbx');
    await s.answer(sent, 407, ['Proxy-Authenticate: Digest realm="pbx", nonce="n2", algorithm=SHA-256']);
    const retry = s.transport.last()!.text;
    expect(retry).toMatch(/^REFER /);
    expect(retry).toMatch(/\r\nProxy-Authorization: Digest username="auth-id-100"/);
    await s.answer(retry, 202);
    const outcome = await pending;
    expect(outcome.accepted).toBe(true);
    const seq = Number(/\r\nCSeq: (\d+) REFER/.exec(retry)![1]);
    expect(seq).toBe(Number(/\r\nCSeq: (\d+) REFER/.exec(sent)![1]) + 1);
    expect(s.notify({ event: `refer;id=${seq}`, state: 'terminated', frag: 'SIP/2.0 200 OK' })).toBe(
      'SIP/2.0 200 OK',
    );
    expect(await outcome.done).toBe(200);
  });

  it('rejects with DialogStateError on a terminated dialog', async () => {
    const s = await answeredCall();
    void s.dialog.bye(); // terminated at once; its response is never sent here
    await expect(s.dialog.refer('sip:x@y')).rejects.toThrow(/terminated/);
  });
});

describe('Refer-To and sipfrag helpers', () => {
  it('formatReferTo: brackets, name-addr input, existing URI headers', () => {
    expect(formatReferTo('sip:200@pbx')).toBe('<sip:200@pbx>');
    expect(formatReferTo('"Desk" <sip:200@pbx;transport=tcp>')).toBe('<sip:200@pbx;transport=tcp>');
    expect(formatReferTo('sip:c@x?Foo=1', { callId: 'id 1;x', localTag: 'l', remoteTag: 'r' })).toBe(
      '<sip:c@x?Foo=1&Replaces=id%201%3Bx%3Bto-tag%3Dr%3Bfrom-tag%3Dl>',
    );
  });

  it('parseSipfragStatus: status line first, reason optional, junk undefined', () => {
    expect(parseSipfragStatus(Buffer.from('SIP/2.0 200 OK\r\nContact: <sip:x>\r\n'))).toEqual({
      status: 200,
      reason: 'OK',
    });
    expect(parseSipfragStatus(Buffer.from('\r\nSIP/2.0 183'))).toEqual({ status: 183, reason: '' });
    expect(parseSipfragStatus(Buffer.from('SIP/2.0 099 X'))).toBeUndefined();
    expect(parseSipfragStatus(Buffer.from('INVITE sip:x SIP/2.0'))).toBeUndefined();
    expect(parseSipfragStatus(Buffer.alloc(0))).toBeUndefined();
  });
});
