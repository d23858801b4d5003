import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SipParseResult } from '../message/types.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import { TcpTransport } from './tcp-transport.js';
import { UdpTransport } from './udp-transport.js';
import type { Endpoint, Transport } from './transport.js';

const open: Transport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

function collect(t: Transport) {
  const parsed: SipParseResult[] = [];
  const datagrams: Buffer[] = [];
  const remotes: Endpoint[] = [];
  t.setHandlers({
    onMessage: (data, remote) => {
      datagrams.push(data);
      remotes.push(remote);
    },
    onParsed: (result, remote) => {
      parsed.push(result);
      remotes.push(remote);
    },
  });
  return { parsed, datagrams, remotes };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('TcpTransport', () => {
  it('frames messages split across reads, answers CRLFCRLF pings with CRLF, and reuses the inbound connection', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    open.push(t);
    const got = collect(t);
    await t.listen();
    const client = net.connect(t.local.port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    const received: Buffer[] = [];
    client.on('data', (d: Buffer) => received.push(d));
    const msg = rawRequest({ method: 'OPTIONS', via: 'SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1' });
    client.write(msg.slice(0, 40));
    await new Promise((r) => setTimeout(r, 20));
    client.write(msg.slice(40) + '\r\n\r\n' + msg);
    await until(() => got.parsed.length === 2 && received.length > 0);
    expect(got.parsed.every((p) => p.ok)).toBe(true);
    expect(Buffer.concat(received).toString()).toBe('\r\n');
    const remote = got.remotes[0]!;
    expect(remote.port).toBe(client.localPort);
    expect(t.hasConnection(remote)).toBe(true);
    await t.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { protocol: 'tcp', ...remote });
    await until(() => Buffer.concat(received).toString().includes('200 OK'));
    client.destroy();
  });

  it('closes the connection after a fatal framing error (oversized message)', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0, maxMessageSize: 500 });
    open.push(t);
    const got = collect(t);
    await t.listen();
    const client = net.connect(t.local.port, '127.0.0.1');
    const closed = new Promise((r) => client.once('close', r));
    client.on('error', () => undefined);
    client.write(rawRequest({ body: 'x'.repeat(1000) }));
    await closed;
    expect(got.parsed.some((p) => !p.ok)).toBe(true);
  });

  it('rejects a send to a closed port (transport error)', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    open.push(t);
    collect(t);
    await t.listen();
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await expect(t.send(Buffer.from('x'), { protocol: 'tcp', address: '127.0.0.1', port })).rejects.toThrow(
      /connect/,
    );
  });
});

describe('UdpTransport', () => {
  it('delivers datagrams with their source and drops oversized ones', async () => {
    const t = new UdpTransport({ host: '127.0.0.1', port: 0, maxMessageSize: 100 });
    open.push(t);
    const got = collect(t);
    await t.listen();
    const s = dgram.createSocket('udp4');
    s.send(Buffer.alloc(200, 65), t.local.port, '127.0.0.1');
    s.send(Buffer.from('small'), t.local.port, '127.0.0.1');
    await until(() => got.datagrams.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(got.datagrams.map((d) => d.toString())).toEqual(['small']);
    expect(got.remotes[0]!.address).toBe('127.0.0.1');
    s.close();
  });
});

describe('TcpTransport idle timeout', () => {
  it('closes idle inbound connections but keeps the ones it opened', async () => {
    const server = new TcpTransport({ host: '127.0.0.1', port: 0, idleTimeoutMs: 50 });
    const client = new TcpTransport({ host: '127.0.0.1', port: 0, idleTimeoutMs: 50 });
    open.push(server, client);
    const got = collect(server);
    collect(client);
    await server.listen();
    await client.listen();
    await client.send(Buffer.from('\r\n\r\n'), {
      protocol: 'tcp',
      address: '127.0.0.1',
      port: server.local.port,
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(client.hasConnection({ address: '127.0.0.1', port: server.local.port })).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    // the server side timed out and closed; the client noticed the close
    expect(client.hasConnection({ address: '127.0.0.1', port: server.local.port })).toBe(false);
    expect(got.parsed).toHaveLength(0);
  });
});

describe('TcpTransport keep-alive', () => {
  it('pings connections it opened with CRLFCRLF (RFC 5626 §4.4.1)', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0, keepAliveIntervalMs: 20 });
    open.push(t);
    collect(t);
    await t.listen();
    const chunks: Buffer[] = [];
    const server = net.createServer((s) => s.on('data', (d: Buffer) => chunks.push(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await t.send(Buffer.from('OPTIONS'), { protocol: 'tcp', address: '127.0.0.1', port });
    await until(() => Buffer.concat(chunks).toString().includes('\r\n\r\n\r\n\r\n'));
    expect(Buffer.concat(chunks).toString().startsWith('OPTIONS\r\n\r\n')).toBe(true);
    await t.close();
    await new Promise((r) => server.close(r));
  });
});
