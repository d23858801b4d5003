import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import { TransportLayer } from './transport-layer.js';
import { WsTransport } from './ws-transport.js';
import { uriTransport } from './resolve-target.js';
import { isSipUri, parseUri } from '../message/uri.js';
import type { SipRequest } from '../message/types.js';

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

describe('TransportLayer with a WebSocket client transport (RFC 7118)', () => {
  it('stamps Via SIP/2.0/WSS <x>.invalid without a port (never publicAddress); ws and wss stand in for each other', () => {
    // not started: nothing connects; the advertised .invalid host is known from construction
    const ws = new WsTransport({ url: 'wss://pbx.example.com:8089/ws', instanceHost: 'df7jal23ls0d' });
    const tl = new TransportLayer({
      transports: [new FakeTransport('udp'), ws],
      publicAddress: '203.0.113.9',
    });
    const req: SipRequest = {
      kind: 'request',
      method: 'OPTIONS',
      uri: 'sip:x',
      version: 'SIP/2.0',
      headers: [],
      body: Buffer.alloc(0),
    };
    tl.addVia(req, 'ws', 'z9hG4bKa');
    expect(req.headers[0]?.value).toBe('SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKa;rport');
    expect(tl.transportFor('ws')).toBe(ws);
    expect(tl.localSentBy('wss')).toEqual({ host: 'df7jal23ls0d.invalid' });
    // a Record-Route `transport=ws` keeps a preferred wss (RFC 7118 §5.2)
    const rr = parseUri('sip:127.0.0.1:8443;transport=ws;lr');
    if (!isSipUri(rr)) throw new Error('unparsed');
    expect(uriTransport(rr, 'wss')).toBe('wss');
    expect(uriTransport(rr)).toBe('ws');
  });
});

/** A WebSocket-like client transport: an id (its URL), a server endpoint and a `.invalid` host. */
class FakeWs extends FakeTransport {
  readonly advertised: { readonly host: string };
  readonly remote: { readonly address: string; readonly port: number };
  constructor(readonly id: string) {
    super('wss');
    const url = new URL(id);
    this.remote = { address: url.hostname, port: Number(url.port) };
    this.advertised = { host: `${url.port}.invalid` };
  }
}

const bytes = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');

describe('TransportLayer with several WebSocket connections (one per URL)', () => {
  it('sends over the named connection, else the one on the target host:port, else the only one on its host', async () => {
    const a = new FakeWs('wss://pbx-a.example.com:8089/ws');
    const b = new FakeWs('wss://pbx-b.example.com:8089/ws');
    const b2 = new FakeWs('wss://pbx-b.example.com:7443/ws');
    const udp = new FakeTransport('udp');
    const tl = new TransportLayer({ transports: [udp, a, b, b2] });
    await tl.start();
    const via = (t: FakeTransport): number => t.sent.length;
    // the registrar `sip:pbx-a.example.com` (no port): the only connection on that host
    await tl.send(bytes, { protocol: 'wss', address: 'PBX-A.example.com', port: 5061 });
    expect([via(a), via(b), via(b2)]).toEqual([1, 0, 0]);
    // a Record-Route naming a server's WebSocket host and port
    await tl.send(bytes, { protocol: 'ws', address: 'pbx-b.example.com', port: 7443 });
    expect([via(a), via(b), via(b2)]).toEqual([1, 0, 1]);
    // named explicitly (wins over the host)
    await tl.send(bytes, {
      protocol: 'wss',
      address: 'pbx-a.example.com',
      port: 5061,
      connection: 'wss://pbx-b.example.com:8089/ws',
    });
    expect([via(a), via(b), via(b2)]).toEqual([1, 1, 1]);
    // ambiguous or unknown host: the protocol's first transport, as with one connection
    await tl.send(bytes, { protocol: 'wss', address: 'pbx-b.example.com', port: 5061 });
    await tl.send(bytes, { protocol: 'wss', address: 'elsewhere.example.com', port: 5061 });
    expect([via(a), via(b), via(b2)]).toEqual([3, 1, 1]);
    // a Contact naming the IP a URL's host name resolved to (while connected)
    Object.assign(b2, { connectedAddress: '192.0.2.7' });
    await tl.send(bytes, { protocol: 'ws', address: '192.0.2.7', port: 7443 });
    expect([via(a), via(b), via(b2)]).toEqual([3, 1, 2]);
    // UDP is untouched by all this
    await tl.send(bytes, { protocol: 'udp', address: '192.0.2.1', port: 5060 });
    expect(udp.sent).toHaveLength(1);
  });

  it('answers a request over the connection it arrived on (RFC 7118 §5.4)', async () => {
    const a = new FakeWs('wss://127.0.0.1:8443/ws');
    const b = new FakeWs('wss://127.0.0.2:8443/ws');
    const tl = new TransportLayer({ transports: [a, b] });
    await tl.start();
    tl.user = {
      onRequest: (_req, info, source) => void tl.send(bytes, tl.responseTarget(info, source)),
      onResponse: () => undefined,
    };
    b.inject(rawRequest({ via: 'SIP/2.0/WSS 127.0.0.2:8443;branch=z9hG4bK1' }), {
      address: '127.0.0.2',
      port: 8443,
    });
    await Promise.resolve();
    expect(a.sent).toHaveLength(0);
    expect(b.sent[0]?.dest).toMatchObject({ connection: 'wss://127.0.0.2:8443/ws', port: 8443 });
  });

  it('adds and removes a connection at run time: bound at once, its messages delivered, sends fall back', async () => {
    const udp = new FakeTransport('udp');
    const tl = new TransportLayer({ transports: [udp] });
    await tl.start();
    const got: string[] = [];
    tl.user = { onRequest: (req) => got.push(req.method), onResponse: () => undefined };
    const a = new FakeWs('wss://127.0.0.1:8443/ws');
    const b = new FakeWs('wss://127.0.0.2:8443/ws');
    await tl.addTransport(a);
    await tl.addTransport(b);
    await expect(tl.addTransport(new FakeWs('wss://127.0.0.1:8443/ws'))).rejects.toThrow(TypeError);
    expect(tl.transports).toEqual([udp, a, b]);
    expect(tl.localSentBy('wss')).toEqual({ host: '8443.invalid' });
    b.inject(rawRequest({ method: 'OPTIONS' }));
    expect(got).toEqual(['OPTIONS']);
    expect(await tl.removeTransport('wss://127.0.0.1:8443/ws')).toBe(true);
    expect(a.closed).toBe(true);
    expect(await tl.removeTransport('wss://127.0.0.1:8443/ws')).toBe(false);
    expect(tl.transportFor('wss')).toBe(b);
    await tl.send(bytes, { protocol: 'wss', address: '127.0.0.1', port: 5061, connection: a.id });
    expect(b.sent).toHaveLength(1);
    await tl.removeTransport(b);
    expect(tl.transportFor('wss')).toBeUndefined();
    await expect(tl.send(bytes, { protocol: 'wss', address: '127.0.0.1', port: 5061 })).rejects.toThrow(
      /no wss transport/,
    );
  });
});
