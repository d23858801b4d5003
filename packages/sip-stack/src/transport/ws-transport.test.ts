import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { createResponse } from '../message/builders.js';
import { getHeader } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipRequest } from '../message/types.js';
import { UserAgent } from '../user-agent.js';
import { WS_CLOSE_TOO_BIG, WsTransport } from './ws-transport.js';

/**
 * A SIP WebSocket server on loopback (RFC 7118): accepts the `sip` subprotocol, answers
 * every REGISTER 200 (Contact echoed, Expires 60) and records what it received.
 */
class FakeWsRegistrar {
  readonly wss: WebSocketServer;
  readonly received: SipRequest[] = [];
  readonly sockets: WebSocket[] = [];
  readonly frames: Array<{ data: Buffer; binary: boolean }> = [];
  constructor(opts: { server?: HttpsServer; subprotocol?: string | false } = {}) {
    const handleProtocols = (p: Set<string>): string | false =>
      opts.subprotocol === undefined ? (p.has('sip') ? 'sip' : false) : opts.subprotocol;
    this.wss = opts.server
      ? new WebSocketServer({ server: opts.server, handleProtocols })
      : new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols });
    this.wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data: Buffer, binary) => {
        this.frames.push({ data, binary });
        const parsed = parseMessage(data);
        if (!parsed.ok || parsed.message.kind !== 'request') return;
        const req = parsed.message;
        this.received.push(req);
        if (req.method !== 'REGISTER') return;
        const res = createResponse(req, 200, {
          toTag: 'reg',
          headers: [{ name: 'Contact', value: `${getHeader(req, 'Contact') ?? ''};expires=60` }],
        });
        ws.send(serializeMessage(res).toString());
      });
    });
  }
  /** Resolves once the server listens (its own HTTP server, or the given one already listening). */
  static async start(
    opts: { server?: HttpsServer; subprotocol?: string | false } = {},
  ): Promise<FakeWsRegistrar> {
    const r = new FakeWsRegistrar(opts);
    if (!opts.server) await new Promise((ok) => r.wss.once('listening', ok));
    return r;
  }
  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }
  registers(): SipRequest[] {
    return this.received.filter((r) => r.method === 'REGISTER');
  }
  close(): Promise<void> {
    for (const s of this.wss.clients) s.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

const cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function wsAgent(url: string, extra: { ca?: string } = {}): UserAgent {
  const ua = new UserAgent({
    transports: [{ protocol: url.startsWith('wss') ? 'wss' : 'ws', url, tls: { ca: extra.ca } }],
  });
  cleanup.push(() => ua.stop());
  return ua;
}

describe('SIP over WebSocket client (RFC 7118)', () => {
  it('registers over ws with the sip subprotocol, a .invalid Via host and a transport=ws Contact', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const ua = wsAgent(`ws://127.0.0.1:${server.port}/ws`);
    await ua.start();
    const reg = ua.register({
      registrar: 'sip:127.0.0.1',
      aor: 'sip:100@127.0.0.1',
      username: '100',
      password: 'x',
      transport: 'ws',
    });
    await new Promise((r) => reg.once('registered', r));
    expect(server.sockets[0]?.protocol).toBe('sip');
    const req = server.registers()[0]!;
    // RFC 7118 §5: `SIP/2.0/WS <random>.invalid` (no port), Contact `sip:user@<same>.invalid;transport=ws`.
    const via = getHeader(req, 'Via') ?? '';
    expect(via).toMatch(/^SIP\/2\.0\/WS [a-z0-9]{12}\.invalid;branch=z9hG4bK[^;]+;rport$/);
    const host = /WS ([^;]+)/.exec(via)![1];
    expect(getHeader(req, 'Contact')).toBe(`<sip:100@${host};transport=ws>`);
    expect(server.frames[0]?.binary).toBe(false); // a UTF-8 message goes as a text frame
  });

  it('an INVITE arriving over the WebSocket is answered on the same connection', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const ua = wsAgent(`ws://127.0.0.1:${server.port}`);
    ua.on('invite', (call) => call.reject(486));
    await ua.start();
    const reg = ua.register({
      registrar: 'sip:127.0.0.1',
      aor: 'sip:100@127.0.0.1',
      username: '100',
      password: 'x',
      transport: 'ws',
    });
    await new Promise((r) => reg.once('registered', r));
    const sock = server.sockets[0]!;
    const answers: string[] = [];
    sock.on('message', (d: Buffer) => answers.push(d.toString()));
    const invite = [
      'INVITE sip:100@abc.invalid;transport=ws SIP/2.0',
      'Via: SIP/2.0/WS 127.0.0.1:1;branch=z9hG4bKinv1',
      'From: <sip:200@127.0.0.1>;tag=a',
      'To: <sip:100@127.0.0.1>',
      'Call-ID: inv1@test',
      'CSeq: 1 INVITE',
      'Contact: <sip:200@127.0.0.1:5070>',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    sock.send(invite); // RFC 7118 §4.1: no Content-Length needed, one message per frame
    await until(() => answers.some((a) => a.startsWith('SIP/2.0 486')));
  });

  it('survives hostile frames: garbage and binary are dropped, CRLF pings answered, oversize closes 1009 then reconnects', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const t = new WsTransport({
      url: `ws://127.0.0.1:${server.port}`,
      maxMessageSize: 1000,
      reconnect: { initialDelayMs: 20 },
    });
    const got: Buffer[] = [];
    let ready = 0;
    t.setHandlers({
      onMessage: (d) => got.push(d),
      onParsed: () => undefined,
      onError: () => undefined,
      onFlowReady: () => ready++,
    });
    cleanup.push(() => t.close());
    await t.listen();
    await until(() => ready === 1);
    const sock = server.sockets[0]!;
    const pongs: string[] = [];
    sock.on('message', (d: Buffer) => pongs.push(d.toString()));
    sock.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
    sock.send('\r\n\r\n');
    await until(() => pongs.includes('\r\n')); // RFC 5626 §4.4.1 pong
    expect(got).toHaveLength(1); // the binary garbage goes up to the layer, which drops it
    const closed = new Promise<number>((r) => sock.once('close', (code) => r(code)));
    sock.send('x'.repeat(5000));
    expect(await closed).toBe(WS_CLOSE_TOO_BIG);
    await until(() => ready === 2 && t.connected); // reopened
  });

  it('keep-alive: pings the server and reopens a connection that stops answering (no pong)', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const t = new WsTransport({
      url: `ws://127.0.0.1:${server.port}`,
      keepAliveIntervalMs: 40,
      reconnect: { initialDelayMs: 20 },
    });
    let ready = 0;
    let pings = 0;
    t.setHandlers({ onMessage: () => undefined, onParsed: () => undefined, onFlowReady: () => ready++ });
    cleanup.push(() => t.close());
    await t.listen();
    await until(() => ready === 1);
    const sock = server.sockets[0]!;
    sock.on('ping', () => pings++);
    await until(() => pings >= 2); // answered pings keep the connection
    expect(server.sockets).toHaveLength(1);
    // the server stops reading: no pong comes back, the client drops the connection and redials
    (sock as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => ready === 2 && server.sockets.length === 2);
  });

  it('re-REGISTERs at once after the connection drops and reopens', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const t = new WsTransport({ url: `ws://127.0.0.1:${server.port}`, reconnect: { initialDelayMs: 20 } });
    const ua = new UserAgent({ transports: [], transportInstances: [t] });
    cleanup.push(() => ua.stop());
    await ua.start();
    const reg = ua.register({
      registrar: 'sip:127.0.0.1',
      aor: 'sip:100@127.0.0.1',
      username: '100',
      password: 'x',
      transport: 'ws',
    });
    await new Promise((r) => reg.once('registered', r));
    expect(server.registers()).toHaveLength(1);
    const failures: string[] = [];
    reg.on('failed', (e) => failures.push(e.reason));
    server.sockets[0]!.terminate();
    // the binding is reported lost at once (RFC 5626 §4.4.1), then renewed over the new connection
    await until(() => server.registers().length === 2 && reg.state === 'registered');
    expect(failures).toEqual(['transport']);
    expect(server.sockets).toHaveLength(2);
  });

  it('fails sends over quickly while the server is down (transport error -> synthetic 503)', async () => {
    const server = await FakeWsRegistrar.start();
    const port = server.port;
    await server.close();
    const ua = wsAgent(`ws://127.0.0.1:${port}`);
    await ua.start();
    const res = await ua.request('OPTIONS', 'sip:127.0.0.1', { transport: 'ws' });
    expect(res.status).toBe(503);
  });

  it('refuses a server that does not speak the sip subprotocol', async () => {
    const server = await FakeWsRegistrar.start({ subprotocol: false });
    cleanup.push(() => server.close());
    const t = new WsTransport({
      url: `ws://127.0.0.1:${server.port}`,
      connectTimeoutMs: 500,
      reconnect: { initialDelayMs: 10_000 },
    });
    const errors: Error[] = [];
    t.setHandlers({ onMessage: () => undefined, onParsed: () => undefined, onError: (e) => errors.push(e) });
    cleanup.push(() => t.close());
    await t.listen();
    await expect(
      t.send(Buffer.from('OPTIONS'), { protocol: 'ws', address: '127.0.0.1', port: 1 }),
    ).rejects.toThrow();
    expect(t.connected).toBe(false);
  });

  it('rejects a malformed or non-WebSocket URL at construction (configuration error)', () => {
    expect(() => new WsTransport({ url: 'http://x/ws' })).toThrow(TypeError);
    expect(() => new WsTransport({ url: 'not a url' })).toThrow(TypeError);
  });
});

function makeCert(): { cert: string; key: string; dir: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sip-wss-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      dir,
    };
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const material = makeCert();

describe.skipIf(!material)('SIP over secure WebSocket (wss)', () => {
  it('verifies the server certificate against the CA: registers with it, refuses without it', async () => {
    const { cert, key, dir } = material!;
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const https = createHttpsServer({ cert, key });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
    const server = await FakeWsRegistrar.start({ server: https });
    cleanup.push(() => new Promise<void>((r) => https.close(() => r())));
    cleanup.push(() => server.close());
    const port = (https.address() as AddressInfo).port;
    const ua = wsAgent(`wss://127.0.0.1:${port}/ws`, { ca: cert });
    await ua.start();
    const reg = ua.register({
      registrar: 'sip:127.0.0.1',
      aor: 'sip:100@127.0.0.1',
      username: '100',
      password: 'x',
      transport: 'wss',
    });
    await new Promise((r) => reg.once('registered', r));
    expect(getHeader(server.registers()[0]!, 'Via')).toMatch(/^SIP\/2\.0\/WSS [a-z0-9]+\.invalid;/);
    expect(getHeader(server.registers()[0]!, 'Contact')).toMatch(/\.invalid;transport=ws>$/);
    const untrusting = wsAgent(`wss://127.0.0.1:${port}/ws`);
    await untrusting.start();
    expect((await untrusting.request('OPTIONS', 'sip:127.0.0.1', { transport: 'wss' })).status).toBe(503);
  });
});

describe('WsTransport naming (one per URL in a transport layer)', () => {
  it('is named by its normalised URL and knows its server endpoint', () => {
    const t = new WsTransport({ url: 'WSS://PBX.example.com:443/ws' });
    expect(t.id).toBe('wss://pbx.example.com/ws');
    expect(t.remote).toEqual({ address: 'pbx.example.com', port: 443 });
    expect(new WsTransport({ url: 'ws://[2001:db8::1]:8088/ws' }).remote).toEqual({
      address: '2001:db8::1',
      port: 8088,
    });
  });

  it('knows the IP address its URL host name resolved to while connected', async () => {
    const server = await FakeWsRegistrar.start();
    cleanup.push(() => server.close());
    const t = new WsTransport({ url: `ws://localhost:${server.port}/ws` });
    t.setHandlers({ onMessage: () => undefined, onParsed: () => undefined });
    cleanup.push(() => t.close());
    expect(t.connectedAddress).toBeUndefined();
    await t.listen();
    await until(() => t.connected);
    expect(['127.0.0.1', '::1']).toContain(t.connectedAddress);
  });
});
