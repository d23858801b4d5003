import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpTransport } from './tcp-transport.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('RFC 5626 §4.4.1 CRLF keep-alive on TCP connections', () => {
  it('surfaces the CRLF pong of the remote to its listeners; closeConnection drops the flow', async () => {
    const seen: string[] = [];
    const server = net.createServer((s) => {
      s.on('data', (d) => {
        seen.push(d.toString('latin1'));
        if (d.toString('latin1') === '\r\n\r\n') s.write('\r\n'); // pong
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    t.setHandlers({ onMessage: () => undefined, onParsed: () => undefined });
    await t.listen();
    cleanups.push(() => t.close());
    const dest = { protocol: 'tcp' as const, address: '127.0.0.1', port };
    let pongs = 0;
    const off = t.onPong(dest, () => pongs++);
    await t.send(Buffer.from('\r\n\r\n'), dest);
    await until(() => pongs === 1);
    expect(seen.join('')).toBe('\r\n\r\n');
    off();
    await t.send(Buffer.from('\r\n\r\n'), dest);
    await until(() => seen.join('') === '\r\n\r\n\r\n\r\n');
    await new Promise((r) => setTimeout(r, 30));
    expect(pongs).toBe(1);
    expect(t.hasConnection(dest)).toBe(true);
    t.closeConnection(dest);
    expect(t.hasConnection(dest)).toBe(false);
  });

  it('answers a CRLFCRLF ping from the remote with a single CRLF', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    t.setHandlers({ onMessage: () => undefined, onParsed: () => undefined });
    await t.listen();
    cleanups.push(() => t.close());
    const c = net.connect(t.local.port, '127.0.0.1');
    cleanups.push(() => void c.destroy());
    let got = '';
    c.on('data', (d) => (got += d.toString('latin1')));
    await new Promise((r) => c.once('connect', r));
    c.write('\r\n\r\n');
    await until(() => got === '\r\n');
  });
});
