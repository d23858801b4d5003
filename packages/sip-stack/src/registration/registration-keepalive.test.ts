import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import { stopOnFakeClock } from './stop-on-fake-clock.js';
import type { KeepaliveOptions } from './keepalive.js';

async function ticks(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function setup(protocol: 'udp' | 'tcp', keepalive: KeepaliveOptions) {
  const clock = new FakeClock();
  const t = new FakeTransport(protocol, { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({ transports: [], transportInstances: [t], clock });
  await ua.start();
  const reg = ua.register({
    registrar: `sip:127.0.0.1:5080;transport=${protocol}`,
    aor: 'sip:100@127.0.0.1',
    username: '100',
    password: 'pw',
    keepalive,
  });
  const events: string[] = [];
  reg.on('failed', (e) => events.push(`failed:${e.reason}:${e.message}`));
  reg.on('registered', () => events.push('registered'));
  await ticks();
  const sent = (prefix: string) => t.sent.filter((m) => m.text.startsWith(prefix));
  const answer = async (status = 200, extra: string[] = []) => {
    const req = t.last()!.text;
    t.inject(
      rawResponseTo(req, status, {
        toTag: 'r',
        extra: ['Contact: <sip:100@127.0.0.1:5060>;expires=3600', ...extra],
      }),
      {
        address: '127.0.0.1',
        port: 5080,
      },
    );
    await ticks();
  };
  const stop = (): Promise<void> => stopOnFakeClock(ua, clock);
  return { clock, t, ua, reg, events, sent, answer, stop };
}

describe('Registration keep-alive (RFC 5626 §4.4)', () => {
  it('crlf over UDP: CRLFCRLF to the registrar every interval once registered', async () => {
    const s = await setup('udp', { mode: 'crlf', intervalMs: 30_000 });
    s.clock.advance(1_000);
    expect(s.sent('\r\n')).toHaveLength(0); // not registered yet
    await s.answer();
    s.clock.advance(90_000);
    await ticks();
    const pings = s.sent('\r\n\r\n');
    expect(pings).toHaveLength(3);
    expect(pings[0]!.data.equals(Buffer.from('\r\n\r\n'))).toBe(true);
    expect(pings[0]!.dest).toMatchObject({ protocol: 'udp', address: '127.0.0.1', port: 5080 });
    expect(s.events).toEqual(['registered']);
    await s.stop();
  });

  it('crlf over TCP: registrar with outbound, no pong within 10 s -> failed (transport) and an immediate re-REGISTER', async () => {
    const s = await setup('tcp', { mode: 'crlf', intervalMs: 30_000 });
    await s.answer(200, ['Require: outbound']);
    s.clock.advance(30_000);
    expect(s.sent('\r\n\r\n')).toHaveLength(1);
    expect(s.sent('REGISTER')).toHaveLength(1);
    s.clock.advance(10_000);
    await ticks();
    expect(s.events[1]).toMatch(/^failed:transport:keep-alive failed: no CRLF pong/);
    expect(s.sent('REGISTER')).toHaveLength(2);
    expect(s.reg.state).toBe('registering');
    await s.answer();
    expect(s.reg.state).toBe('registered');
    await s.stop();
  });

  it('options: OPTIONS to the registrar every interval; a 503 re-REGISTERs at once', async () => {
    const s = await setup('udp', { mode: 'options', intervalMs: 30_000 });
    await s.answer();
    s.clock.advance(30_000);
    await ticks();
    const o = s.sent('OPTIONS');
    expect(o).toHaveLength(1);
    expect(o[0]!.text).toMatch(/^OPTIONS sip:127.0.0.1:5080;transport=udp SIP\/2.0/);
    expect(o[0]!.dest).toMatchObject({ address: '127.0.0.1', port: 5080 });
    await s.answer(404); // any final response: alive
    s.clock.advance(30_000);
    await ticks();
    expect(s.sent('OPTIONS')).toHaveLength(2);
    expect(s.sent('REGISTER')).toHaveLength(1);
    await s.answer(503);
    expect(s.sent('REGISTER')).toHaveLength(2);
    expect(s.events[1]).toMatch(/^failed:transport:keep-alive failed: OPTIONS keep-alive got 503/);
    await s.answer();
    expect(s.events).toHaveLength(3);
    await s.stop();
  });

  it('options: a timeout (no answer in 64*T1) re-REGISTERs', async () => {
    const s = await setup('udp', { mode: 'options', intervalMs: 30_000 });
    await s.answer();
    s.clock.advance(30_000);
    await ticks();
    s.clock.advance(32_000);
    await ticks();
    expect(s.sent('REGISTER')).toHaveLength(2);
    await s.stop();
  });

  it('stun: Binding requests on the SIP socket; a changed mapped address re-REGISTERs', async () => {
    const s = await setup('udp', { mode: 'stun', intervalMs: 30_000 });
    await s.answer();
    s.clock.advance(30_000);
    await ticks();
    const req = s.t.sent.find((m) => m.data[0] === 0 && m.data[1] === 1)!;
    expect(req.data.length).toBe(20);
    const host = (
      s.ua as unknown as { host: { receiveStun(d: Buffer, f: { address: string; port: number }): boolean } }
    ).host;
    const response = (port: number): Buffer => {
      const r = Buffer.alloc(32);
      r.writeUInt16BE(0x0101, 0);
      r.writeUInt16BE(12, 2);
      req.data.copy(r, 4, 4, 20);
      r.writeUInt16BE(0x0020, 20);
      r.writeUInt16BE(8, 22);
      r.writeUInt16BE(1, 24);
      r.writeUInt16BE(port ^ 0x2112, 26);
      r.writeUInt32BE((0xc6336401 ^ 0x2112a442) >>> 0, 28);
      return r;
    };
    expect(host.receiveStun(response(40000), { address: '127.0.0.1', port: 5080 })).toBe(true);
    expect(s.sent('REGISTER')).toHaveLength(1);
    expect(host.receiveStun(response(40002), { address: '127.0.0.1', port: 5080 })).toBe(true);
    await ticks();
    expect(s.events[1]).toMatch(/NAT binding changed from 198.51.100.1:40000 to 198.51.100.1:40002/);
    expect(s.sent('REGISTER')).toHaveLength(2);
    await s.stop();
  });
});
