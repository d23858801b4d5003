import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { DEFAULT_TIMERS } from './timers.js';
import type { SyntheticCause, TransactionDeps } from './transaction.js';

function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text, 'latin1'));
  if (!r.ok) throw new Error(r.reason);
  return r.message;
}

function setup(method: string, reliable = false, failSend = false) {
  const clock = new FakeClock();
  const text = rawRequest({ method, via: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-ours;rport' });
  const req = parse(text) as SipRequest;
  const sends: Array<{ at: number; text: string }> = [];
  const responses: Array<{ status: number; synthetic?: SyntheticCause }> = [];
  let terminated = 0;
  const deps: TransactionDeps = {
    clock,
    timers: DEFAULT_TIMERS,
    reliable,
    send: (bytes) => {
      sends.push({ at: clock.now(), text: bytes.toString('latin1') });
      return failSend ? Promise.reject(new Error('boom')) : Promise.resolve();
    },
    onTerminated: () => terminated++,
  };
  const user = {
    onResponse: (res: SipResponse, synthetic?: SyntheticCause) =>
      responses.push({ status: res.status, synthetic }),
  };
  const bytes = serializeMessage(req);
  const tx =
    method === 'INVITE'
      ? new InviteClientTransaction('k', req, bytes, deps, user)
      : new NonInviteClientTransaction('k', req, bytes, deps, user);
  const respond = (status: number) => parse(rawResponseTo(text, status, { toTag: 'remote' })) as SipResponse;
  return { clock, tx, sends, responses, respond, terminated: () => terminated, text };
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('retransmits on Timer A, doubling each time, and times out with 408 at Timer B = 64*T1', () => {
    const s = setup('INVITE');
    s.tx.start();
    s.clock.advance(32_000);
    expect(s.sends.map((x) => x.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(s.responses).toEqual([{ status: 408, synthetic: 'timeout' }]);
    expect((s.tx as InviteClientTransaction).state).toBe('terminated');
    expect(s.clock.pending()).toBe(0);
    expect(s.terminated()).toBe(1);
  });

  it('does not retransmit over a reliable transport', () => {
    const s = setup('INVITE', true);
    s.tx.start();
    s.clock.advance(31_999);
    expect(s.sends).toHaveLength(1);
  });

  it('1xx stops retransmissions; a non-2xx final sends ACK, stays Completed for Timer D (32 s)', () => {
    const s = setup('INVITE');
    s.tx.start();
    s.tx.receiveResponse(s.respond(180));
    s.clock.advance(10_000);
    expect(s.sends).toHaveLength(1);
    s.tx.receiveResponse(s.respond(486));
    expect(s.sends).toHaveLength(2);
    expect(s.sends[1]!.text).toMatch(/^ACK sip:100@127.0.0.1:5060 SIP\/2.0/);
    expect(s.sends[1]!.text).toContain('branch=z9hG4bK-ours');
    expect(s.sends[1]!.text).toContain('CSeq: 1 ACK');
    expect(s.sends[1]!.text).toContain('tag=remote');
    // a retransmitted 486 is answered with the ACK again and not passed up
    s.tx.receiveResponse(s.respond(486));
    expect(s.sends).toHaveLength(3);
    expect(s.responses.map((r) => r.status)).toEqual([180, 486]);
    s.clock.advance(31_999);
    expect((s.tx as InviteClientTransaction).state).toBe('completed');
    s.clock.advance(1);
    expect((s.tx as InviteClientTransaction).state).toBe('terminated');
  });

  it('2xx -> Accepted: retransmitted 2xx go to the TU until Timer M', () => {
    const s = setup('INVITE');
    s.tx.start();
    s.tx.receiveResponse(s.respond(200));
    expect((s.tx as InviteClientTransaction).state).toBe('accepted');
    s.tx.receiveResponse(s.respond(200));
    expect(s.responses.map((r) => r.status)).toEqual([200, 200]);
    expect(s.sends).toHaveLength(1); // the transaction never ACKs a 2xx
    s.clock.advance(32_000);
    expect((s.tx as InviteClientTransaction).state).toBe('terminated');
  });

  it('reports a transport error as 503', async () => {
    const s = setup('INVITE', false, true);
    s.tx.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(s.responses).toEqual([{ status: 503, synthetic: 'transport' }]);
    expect(s.clock.pending()).toBe(0);
  });
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('Timer E doubles up to T2, Timer F = 64*T1 gives 408', () => {
    const s = setup('OPTIONS');
    s.tx.start();
    s.clock.advance(32_000);
    expect(s.sends.map((x) => x.at)).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(s.responses).toEqual([{ status: 408, synthetic: 'timeout' }]);
  });

  it('Proceeding retransmits every T2; final -> Completed, Timer K = T4', () => {
    const s = setup('OPTIONS');
    s.tx.start();
    s.tx.receiveResponse(s.respond(100));
    s.clock.advance(8_500);
    expect(s.sends.map((x) => x.at)).toEqual([0, 500, 4500, 8500]);
    s.tx.receiveResponse(s.respond(200));
    s.tx.receiveResponse(s.respond(200));
    expect(s.responses.map((r) => r.status)).toEqual([100, 200]);
    s.clock.advance(4_999);
    expect((s.tx as NonInviteClientTransaction).state).toBe('completed');
    s.clock.advance(1);
    expect((s.tx as NonInviteClientTransaction).state).toBe('terminated');
  });

  it('terminates at once after the final response over a reliable transport', () => {
    const s = setup('OPTIONS', true);
    s.tx.start();
    s.tx.receiveResponse(s.respond(200));
    s.clock.advance(0);
    expect((s.tx as NonInviteClientTransaction).state).toBe('terminated');
  });
});
