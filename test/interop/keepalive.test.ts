import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { sleep, stopAll, until } from '../helpers/processes.js';
import { UdpPeer, headerLines } from '../helpers/sip-wire.js';

/** Kamailio logging every OPTIONS it receives (the daemon's keep-alives). */
const logOptions = (cfg: string): string =>
  cfg.replace(
    'request_route {',
    'request_route {\n    if (is_method("OPTIONS")) xlog("L_NOTICE", "KEEPALIVE OPTIONS $ru from $si:$sp\\n");',
  );

/** A 200 to a REGISTER given as text (Via, From, To + tag, Call-ID, CSeq copied; Contact expires=3600). */
function okTo(register: string, extra: string[] = []): string {
  const copied = headerLines(register).filter((l) => /^(via|from|to|call-id|cseq|contact)\s*:/i.test(l));
  return [
    'SIP/2.0 200 OK',
    ...copied.map((l) =>
      /^to\s*:/i.test(l) ? `${l};tag=reg` : /^contact\s*:/i.test(l) ? `${l};expires=3600` : l,
    ),
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * A TCP registrar on the wire: answers REGISTER with 200 (`Require: outbound`, so the
 * daemon expects pongs, RFC 5626 §4.2.1), counts CRLFCRLF pings per connection and answers
 * them with a CRLF pong while `pong` is true.
 */
class TcpRegistrar {
  readonly server: Server;
  readonly registers: Array<{ conn: number }> = [];
  readonly pings: Array<{ conn: number; at: number }> = [];
  pong = true;
  private conns = 0;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((s) => {
      const conn = ++this.conns;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        for (;;) {
          if (buf.startsWith('\r\n\r\n')) {
            buf = buf.slice(4);
            this.pings.push({ conn, at: Date.now() });
            if (this.pong) s.write('\r\n');
            continue;
          }
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const cl = Number(/\r\ncontent-length\s*:\s*(\d+)/i.exec(buf.slice(0, end + 2))?.[1] ?? 0);
          if (buf.length < end + 4 + cl) return;
          const msg = buf.slice(0, end + 4 + cl);
          buf = buf.slice(end + 4 + cl);
          if (msg.startsWith('REGISTER ')) {
            this.registers.push({ conn });
            s.write(okTo(msg, ['Require: outbound']));
          }
        }
      });
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The daemon's environment: account voice at 127.0.0.1:`port`, keep-alive every 5 s, plus `extra`. */
function keepaliveEnv(port: number, extra: Record<string, string>): Record<string, string> {
  return {
    SIP_SERVER: '127.0.0.1',
    SIP_PORT: String(port),
    SIP_DOMAIN: '127.0.0.1',
    SIP_USERNAME: 'voice',
    SIP_PASSWORD: 'voicepw',
    SIP_KEEPALIVE_INTERVAL: '5',
    ...extra,
  };
}

/** Keep-alive toward the registrar (RFC 5626 §4.4): OPTIONS and CRLF against real peers. */
describe('registration keep-alive', () => {
  const dir = runDir('keepalive');
  let base = 0;
  let next = 0;
  const ports = (): { sipPort: number; httpPort: number; rtpPortMin: number; rtpPortMax: number } => {
    const p = base + 10 + 14 * next++;
    return { sipPort: p, httpPort: p + 1, rtpPortMin: p + 2, rtpPortMax: p + 11 };
  };
  const failures = (d: DaemonHandle): string[] =>
    d
      .logs()
      .map((l) => String(l.msg))
      .filter((m) => m.startsWith('SIP registration failed'));

  beforeAll(async () => {
    base = await freePortBlock(80);
  });
  afterAll(stopAll);

  it('options: OPTIONS reach Kamailio every interval over the registration flow; the registration stays up', async () => {
    const k = await startKamailio({
      dir: join(dir, 'k-opt'),
      port: base,
      users: { voice: 'voicepw' },
      cfgTransform: logOptions,
    });
    const p = ports();
    const daemon = await startDaemon({
      dir,
      name: 'daemon-options',
      ...p,
      env: keepaliveEnv(k.port, { SIP_KEEPALIVE: 'options' }),
    });
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    const t0 = Date.now();
    await until(
      () => (k.proc.output().match(/KEEPALIVE OPTIONS/g) ?? []).length >= 2,
      15_000,
      'two OPTIONS keep-alives',
    );
    expect(Date.now() - t0).toBeGreaterThan(8000); // one per 5 s interval, not a burst
    // From the daemon's SIP socket (the flow the binding points at).
    expect(k.proc.output()).toMatch(
      new RegExp(
        `KEEPALIVE OPTIONS sip:127\\.0\\.0\\.1:${k.port};transport=udp from 127\\.0\\.0\\.1:${p.sipPort}`,
      ),
    );
    expect(failures(daemon)).toEqual([]);
    expect(await daemon.stop()).toBe(0);
    await k.stop();
  });

  it('crlf over TCP with Kamailio: registered and pinging; Kamailio killed -> the keep-alive fails and the daemon re-registers when it is back', async () => {
    const port = base + 1;
    let k = await startKamailio({ dir: join(dir, 'k-tcp'), port, users: { voice: 'voicepw' } });
    const daemon = await startDaemon({
      dir,
      name: 'daemon-crlf-tcp',
      ...ports(),
      env: keepaliveEnv(port, { SIP_KEEPALIVE: 'crlf', SIP_TRANSPORT: 'tcp' }),
    });
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    await sleep(12_000); // two pings answered by Kamailio's pongs (tcp_crlf_ping): no failure
    expect(failures(daemon)).toEqual([]);
    await k.stop();
    const failed = await daemon.waitLog(/^SIP registration failed: keep-alive failed/, 12_000);
    expect(String(failed.msg)).toMatch(/keep-alive failed: (CRLF keep-alive could not be sent|no CRLF pong)/);
    k = await startKamailio({ dir: join(dir, 'k-tcp2'), port, users: { voice: 'voicepw' } });
    await k.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 OK/, 30_000);
    await until(
      () => daemon.logs().filter((l) => l.msg === 'SIP registration successful').length >= 2,
      10_000,
      'registered again',
    );
    expect(await daemon.stop()).toBe(0);
    await k.stop();
  });

  it('crlf over UDP: CRLFCRLF datagrams reach the registrar every interval', async () => {
    const regPort = base + 2;
    const peer = await UdpPeer.bind('127.0.0.1', [regPort]);
    const p = ports();
    try {
      const daemon = await startDaemon({
        dir,
        name: 'daemon-crlf-udp',
        ...p,
        env: keepaliveEnv(regPort, { SIP_KEEPALIVE: 'crlf' }),
      });
      await until(() => peer.received.find((m) => m.method === 'REGISTER'), 10_000, 'REGISTER');
      await peer.send(okTo(peer.received.find((m) => m.method === 'REGISTER')!.text), p.sipPort);
      await daemon.waitLog(/^SIP registration successful$/, 5000);
      await until(
        () => peer.received.filter((m) => m.text === '\r\n\r\n').length >= 2,
        15_000,
        'two CRLF pings',
      );
      expect(failures(daemon)).toEqual([]);
      const stopping = daemon.stop();
      await until(
        () => peer.received.filter((m) => m.method === 'REGISTER').length >= 2,
        5000,
        'un-REGISTER',
      );
      await peer.send(okTo(peer.received.filter((m) => m.method === 'REGISTER').at(-1)!.text), p.sipPort);
      expect(await stopping).toBe(0);
    } finally {
      peer.close();
    }
  });

  it('crlf over TCP: a registrar that stops answering pings -> flow closed, re-REGISTER at once on a new connection', async () => {
    const reg = new TcpRegistrar();
    const regPort = base + 3;
    await reg.listen(regPort);
    try {
      const daemon = await startDaemon({
        dir,
        name: 'daemon-crlf-nopong',
        ...ports(),
        env: keepaliveEnv(regPort, { SIP_KEEPALIVE: 'crlf', SIP_TRANSPORT: 'tcp' }),
      });
      await daemon.waitLog(/^SIP registration successful$/, 10_000);
      await until(() => reg.pings.length >= 1, 10_000, 'first ping');
      reg.pong = false;
      const silentFrom = Date.now();
      await until(() => reg.registers.length >= 2, 25_000, 'the re-REGISTER');
      const waited = Date.now() - silentFrom;
      // The next ping (<= 5 s) went unanswered for 10 s (RFC 5626 §4.4.1), then the re-REGISTER.
      expect(waited).toBeGreaterThan(9_000);
      expect(reg.registers[1]!.conn).toBeGreaterThan(reg.registers[0]!.conn); // a new connection
      expect(failures(daemon).some((m) => /no CRLF pong within 10000 ms/.test(m))).toBe(true);
      reg.pong = true;
      expect(await daemon.stop()).toBe(0);
    } finally {
      await reg.close();
    }
  });
});
