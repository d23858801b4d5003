import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { createRequest, createResponse } from '../message/builders.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { TransportLayer } from '../transport/transport-layer.js';
import { TransactionLayer } from './transaction-layer.js';
import type { ServerTransaction } from './transaction.js';
import { DEFAULT_TIMERS } from './timers.js';

async function setup() {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const tl = new TransportLayer({ transports: [transport] });
  await tl.start();
  const layer = new TransactionLayer(tl, clock, DEFAULT_TIMERS);
  const log: string[] = [];
  const servers: ServerTransaction[] = [];
  const stray: SipResponse[] = [];
  layer.user = {
    onRequest: (req, _info, tx) => {
      log.push(`request ${req.method}`);
      servers.push(tx);
    },
    onCancel: (_req, tx, invite) => {
      log.push(`cancel matched=${invite !== undefined}`);
      tx.respond(createResponse(tx.request, 200, { toTag: 't' }));
    },
    onAck: () => log.push('ack'),
    onStrayResponse: (res) => stray.push(res),
  };
  return { clock, transport, layer, log, servers, stray };
}

describe('TransactionLayer matching (RFC 3261 §17.1.3, §17.2.3)', () => {
  it('absorbs INVITE retransmissions and the ACK for a non-2xx; CANCEL matches the INVITE', async () => {
    const s = await setup();
    s.transport.inject(rawRequest());
    s.transport.inject(rawRequest());
    s.transport.inject(rawRequest({ method: 'CANCEL' }));
    expect(s.log).toEqual(['request INVITE', 'cancel matched=true']);
    s.servers[0]!.respond(createResponse(s.servers[0]!.request, 487, { toTag: 'x' }));
    s.transport.inject(rawRequest({ method: 'ACK', toTag: 'x' }));
    expect(s.log).toEqual(['request INVITE', 'cancel matched=true']);
    // ACK for a 2xx (new branch) goes to the core
    s.transport.inject(rawRequest({ method: 'ACK', toTag: 'x', branch: 'z9hG4bK-other' }));
    expect(s.log.at(-1)).toBe('ack');
  });

  it('matches RFC 2543 requests (no magic cookie) by Call-ID, CSeq, From tag, Request-URI and Via', async () => {
    const s = await setup();
    const old = 'SIP/2.0/UDP 127.0.0.1:5070;branch=1234';
    s.transport.inject(rawRequest({ via: old }));
    s.transport.inject(rawRequest({ via: old }));
    expect(s.log).toEqual(['request INVITE']);
    s.servers[0]!.respond(createResponse(s.servers[0]!.request, 486, { toTag: 'x' }));
    s.transport.inject(rawRequest({ via: old, method: 'ACK', toTag: 'x' }));
    expect(s.log).toEqual(['request INVITE']);
    s.transport.inject(rawRequest({ via: 'SIP/2.0/UDP 127.0.0.1:5070', method: 'OPTIONS', callId: 'x2' }));
    expect(s.log).toEqual(['request INVITE', 'request OPTIONS']);
  });

  it('matches responses by branch and CSeq method; passes unmatched ones to the core', async () => {
    const s = await setup();
    const got: number[] = [];
    const req: SipRequest = createRequest({
      method: 'OPTIONS',
      uri: 'sip:b@127.0.0.1:5070',
      headers: [
        { name: 'From', value: '<sip:a@127.0.0.1>;tag=1' },
        { name: 'To', value: '<sip:b@127.0.0.1>' },
        { name: 'Call-ID', value: 'c1' },
        { name: 'CSeq', value: '1 OPTIONS' },
      ],
    });
    s.layer.sendRequest(
      req,
      { protocol: 'udp', address: '127.0.0.1', port: 5070 },
      { onResponse: (r) => got.push(r.status) },
    );
    const sent = s.transport.last()!.text;
    expect(sent).toMatch(/^OPTIONS .*\r\nVia: SIP\/2.0\/UDP 127.0.0.1:5060;branch=z9hG4bK\w+;rport\r\n/s);
    s.transport.inject(rawResponseTo(sent, 200));
    expect(got).toEqual([200]);
    s.transport.inject(rawResponseTo(sent, 200).replace('CSeq: 1 OPTIONS', 'CSeq: 1 INFO'));
    expect(s.stray).toHaveLength(1);
    expect(s.layer.size.clients).toBe(1); // Completed until Timer K
    s.clock.advance(5000);
    expect(s.layer.size.clients).toBe(0);
  });
});
