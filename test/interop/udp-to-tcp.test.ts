import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UserAgent } from '../../packages/sip-stack/src/index.js';
import { freePortBlock } from '../helpers/ports.js';
import { headerLines } from '../helpers/sip-wire.js';

/** A 200 to `req` (Via, From, To + tag, Call-ID, CSeq copied). */
function okTo(req: string): string {
  const copied = headerLines(req).filter((l) => /^(via|from|to|call-id|cseq)\s*:/i.test(l));
  return [
    'SIP/2.0 200 OK',
    ...copied.map((l) => (/^to\s*:/i.test(l) ? `${l};tag=peer` : l)),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A SIP peer on 127.0.0.1:`port` over UDP and (optionally) TCP, answering every request with 200. */
async function startPeer(port: number, tcp: boolean) {
  const got: Array<{ proto: 'udp' | 'tcp'; text: string }> = [];
  const udp: UdpSocket = createSocket('udp4');
  udp.on('message', (m, r) => {
    const text = m.toString('latin1');
    got.push({ proto: 'udp', text });
    udp.send(okTo(text), r.port, r.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  let server: Server | undefined;
  if (tcp) {
    server = createServer((s) => {
      let buf = '';
      s.on('error', () => undefined);
      s.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        const cl = Number(/\r\ncontent-length\s*:\s*(\d+)/i.exec(buf)?.[1] ?? 0);
        if (end < 0 || buf.length < end + 4 + cl) return;
        const text = buf.slice(0, end + 4 + cl);
        buf = buf.slice(end + 4 + cl);
        got.push({ proto: 'tcp', text });
        s.write(okTo(text));
      });
    });
    const srv = server;
    await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
  }
  return {
    got,
    close: async () => {
      udp.close();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 3261 §18.1.1 on loopback: the stack's UDP -> TCP switch for large requests, with real sockets. */
describe('large requests over TCP (RFC 3261 §18.1.1)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const startUa = async (): Promise<UserAgent> => {
    const ua = new UserAgent({
      transports: [
        { protocol: 'udp', host: '127.0.0.1', port: 0 },
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
      ],
    });
    await ua.start();
    cleanups.push(() => ua.stop());
    return ua;
  };
  const big = Buffer.alloc(1500, 'x');
  /** A peer (TCP listener or not), a UA, and the large MESSAGE sent from one to the other. */
  const sendLarge = async (tcp: boolean) => {
    const port = await freePortBlock(2);
    const peer = await startPeer(port, tcp);
    cleanups.push(peer.close);
    const ua = await startUa();
    const uri = `sip:peer@127.0.0.1:${port}`;
    const res = await ua.request('MESSAGE', uri, { body: big, contentType: 'text/plain' });
    return { peer, ua, uri, res };
  };

  it('a MESSAGE over 1300 bytes goes over TCP with a TCP Via; a small OPTIONS stays on UDP', async () => {
    const { peer, ua, uri, res } = await sendLarge(true);
    expect(res.status).toBe(200);
    const small = await ua.request('OPTIONS', uri);
    expect(small.status).toBe(200);
    expect(peer.got.map((m) => `${m.proto} ${m.text.split(' ')[0]}`)).toEqual(['tcp MESSAGE', 'udp OPTIONS']);
    expect(peer.got[0]!.text).toMatch(/\r\nVia: SIP\/2.0\/TCP /);
    expect(peer.got[1]!.text).toMatch(/\r\nVia: SIP\/2.0\/UDP /);
  });

  it('when the TCP connection is refused, the large request is retried over UDP', async () => {
    const { peer, res } = await sendLarge(false);
    expect(res.status).toBe(200);
    expect(peer.got.map((m) => m.proto)).toEqual(['udp']);
    expect(peer.got[0]!.text).toMatch(/\r\nVia: SIP\/2.0\/UDP /);
    expect(peer.got[0]!.text.match(/\r\nVia:/g)).toHaveLength(1);
  });
});
