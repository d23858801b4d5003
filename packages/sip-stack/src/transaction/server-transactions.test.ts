import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import { parseMessage } from '../message/parse.js';
import { createResponse } from '../message/builders.js';
import type { SipRequest } from '../message/types.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { DEFAULT_TIMERS } from './timers.js';
import type { TransactionDeps } from './transaction.js';

function setup(method: string, reliable = false) {
  const clock = new FakeClock();
  const r = parseMessage(Buffer.from(rawRequest({ method }), 'latin1'));
  if (!r.ok) throw new Error(r.reason);
  const req = r.message as SipRequest;
  const sends: Array<{ at: number; status: string }> = [];
  const deps: TransactionDeps = {
    clock,
    timers: DEFAULT_TIMERS,
    reliable,
    send: (bytes) => {
      sends.push({ at: clock.now(), status: bytes.toString('latin1').split(' ')[1]! });
      return Promise.resolve();
    },
    onTerminated: () => undefined,
  };
  const res = (status: number) => createResponse(req, status, { toTag: 'local' });
  return { clock, req, deps, sends, res };
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('retransmits a non-2xx final on Timer G up to T2, gives up at Timer H (64*T1)', () => {
    const s = setup('INVITE');
    const tx = new InviteServerTransaction('k', s.req, s.deps);
    let timedOut = 0;
    tx.user = { onTimeout: () => timedOut++ };
    tx.respond(s.res(486));
    s.clock.advance(32_000);
    expect(s.sends.map((x) => x.at)).toEqual([
      0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]);
    expect(tx.state).toBe('terminated');
    expect(timedOut).toBe(1);
  });

  it('lets go of its TU observer in Accepted, where nothing reports to it (a short call is not kept for Timer L)', () => {
    const s = setup('INVITE');
    const tx = new InviteServerTransaction('k', s.req, s.deps);
    tx.user = { onTimeout: () => undefined, onTransportError: () => undefined };
    tx.respond(s.res(180));
    expect(tx.user).toBeDefined();
    tx.respond(s.res(200));
    expect(tx.state).toBe('accepted');
    expect(tx.user).toBeUndefined();
  });

  it('keeps only what a response needs of the request after its final response (it lives on for 64*T1)', () => {
    for (const [method, Tx] of [
      ['INVITE', InviteServerTransaction],
      ['BYE', NonInviteServerTransaction],
    ] as const) {
      const s = setup(method);
      const tx = new Tx('k', s.req, s.deps);
      expect(tx.request).toBe(s.req);
      tx.respond(s.res(200));
      expect(tx.request.method).toBe(method);
      expect(tx.request.uri).toBe(s.req.uri);
      expect(tx.request.body.length).toBe(0);
      expect(tx.request.headers.map((h) => h.name).sort()).toEqual(['CSeq', 'Call-ID', 'From', 'To', 'Via']);
      // a response built from it later is the same as one built from the full request
      const again = createResponse(tx.request, 500, { toTag: 'local' });
      expect(again.headers).toEqual(createResponse(s.req, 500, { toTag: 'local' }).headers);
    }
  });

  it('ACK in Completed -> Confirmed (absorbed), Timer I = T4', () => {
    const s = setup('INVITE');
    const tx = new InviteServerTransaction('k', s.req, s.deps);
    tx.respond(s.res(603));
    expect(tx.receiveAck()).toBe(true);
    expect(tx.state).toBe('confirmed');
    s.clock.advance(4_999);
    expect(tx.state).toBe('confirmed');
    s.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(s.sends).toHaveLength(1);
  });

  it('resends the last provisional on INVITE retransmission; 2xx -> Accepted until Timer L', () => {
    const s = setup('INVITE');
    const tx = new InviteServerTransaction('k', s.req, s.deps);
    tx.respond(s.res(180));
    tx.receiveRequest();
    expect(s.sends.map((x) => x.status)).toEqual(['180', '180']);
    tx.respond(s.res(200));
    expect(tx.state).toBe('accepted');
    tx.receiveRequest(); // RFC 6026: absorbed
    tx.respond(s.res(200)); // TU retransmission is sent
    expect(s.sends.map((x) => x.status)).toEqual(['180', '180', '200', '200']);
    expect(tx.receiveAck()).toBe(false); // ACK for 2xx goes to the TU
    s.clock.advance(32_000);
    expect(tx.state).toBe('terminated');
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('answers retransmissions with the final response until Timer J (64*T1)', () => {
    const s = setup('OPTIONS');
    const tx = new NonInviteServerTransaction('k', s.req, s.deps);
    tx.receiveRequest(); // Trying: discarded
    expect(s.sends).toHaveLength(0);
    tx.respond(s.res(200));
    tx.receiveRequest();
    expect(s.sends).toHaveLength(2);
    s.clock.advance(31_999);
    expect(tx.state).toBe('completed');
    s.clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('Timer J is 0 over reliable transports', () => {
    const s = setup('OPTIONS', true);
    const tx = new NonInviteServerTransaction('k', s.req, s.deps);
    tx.respond(s.res(200));
    s.clock.advance(0);
    expect(tx.state).toBe('terminated');
  });
});
