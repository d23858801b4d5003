import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import { TransportLayer } from './transport-layer.js';

async function setup(protocol: 'udp' | 'tcp' = 'udp', maxMessageSize?: number) {
  const transport = new FakeTransport(protocol);
  const tl = new TransportLayer({ transports: [transport], maxMessageSize });
  await tl.start();
  const seen: string[] = [];
  tl.user = {
    onRequest: (req, info, source) =>
      seen.push(
        `${req.method} ${info.via.params.get('received')} ${info.via.params.get('rport')} ${tl.responseTarget(info, source).port}`,
      ),
    onResponse: (res) => seen.push(`${res.status}`),
  };
  return { transport, tl, seen };
}

describe('TransportLayer (RFC 3261 §18, RFC 3581)', () => {
  it('adds received when sent-by differs from the source, and fills rport', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ via: 'SIP/2.0/UDP 10.0.0.1:5999;branch=z9hG4bK1' }), {
      address: '192.0.2.7',
      port: 6000,
    });
    s.transport.inject(rawRequest({ via: 'SIP/2.0/UDP 10.0.0.1:5999;branch=z9hG4bK2;rport' }), {
      address: '192.0.2.7',
      port: 6000,
    });
    s.transport.inject(rawRequest({ via: 'SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK3' }), {
      address: '192.0.2.7',
      port: 6000,
    });
    // responses: to received:sent-by-port without rport (§18.2.2), to the source port with rport (RFC 3581 §4)
    expect(s.seen).toEqual([
      'INVITE 192.0.2.7 undefined 5999',
      'INVITE 192.0.2.7 6000 6000',
      'INVITE undefined undefined 5060',
    ]);
  });

  it('sends responses back over the connection they came in on (streams)', async () => {
    const s = await setup('tcp');
    s.transport.inject(rawRequest({ via: 'SIP/2.0/TCP 10.0.0.1:5999;branch=z9hG4bK1' }), {
      address: '192.0.2.7',
      port: 40000,
    });
    expect(s.seen).toEqual(['INVITE 192.0.2.7 undefined 40000']);
  });

  it('drops oversized datagrams and never throws on hostile input', async () => {
    const s = await setup('udp', 1000);
    s.transport.inject(rawRequest({ body: 'x'.repeat(2000) }));
    expect(s.seen).toEqual([]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 300 }), (bytes, text) => {
        s.transport.inject(Buffer.from(bytes));
        s.transport.inject(rawRequest().slice(0, text.length) + text);
      }),
      { numRuns: 300 },
    );
  });

  it('answers a request with a bad version with 505', async () => {
    const s = await setup();
    s.transport.inject(rawRequest({ method: 'OPTIONS' }).replace('SIP/2.0\r\n', 'SIP/7.0\r\n'));
    expect(s.transport.last()?.text).toMatch(/^SIP\/2.0 505 /);
  });
});
