import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import { stopOnFakeClock } from '../registration/stop-on-fake-clock.js';
import type { LocatorResolver } from '../transport/locate.js';
import type { Registration, RegistrationOptions } from '../registration/registration.js';

async function ticks(n = 30): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** example.com: SRV -> reg1 (priority 10) then reg2 (priority 20). */
const resolver: LocatorResolver = {
  lookup: (h) =>
    Promise.resolve(
      ({ reg1: '192.0.2.1', reg2: '192.0.2.2', proxy: '192.0.2.50' } as Record<string, string>)[h] ??
        Promise.reject(new Error('NXDOMAIN')),
    ),
  resolveNaptr: () => Promise.reject(new Error('NXDOMAIN')),
  resolveSrv: (name) =>
    name === '_sip._udp.example.com'
      ? Promise.resolve([
          { name: 'reg2', port: 5080, priority: 20, weight: 0 },
          { name: 'reg1', port: 5070, priority: 10, weight: 0 },
        ])
      : Promise.reject(new Error('NXDOMAIN')),
};

async function setup(opts: { tcp?: boolean; pathMtu?: number } = {}) {
  const clock = new FakeClock();
  const udp = new FakeTransport('udp', { address: '127.0.0.1', port: 5060 });
  const tcp = new FakeTransport('tcp', { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({
    transports: [],
    transportInstances: opts.tcp ? [udp, tcp] : [udp],
    clock,
    resolver,
    ...(opts.pathMtu ? { pathMtu: opts.pathMtu } : {}),
  });
  await ua.start();
  const reply = async (t: FakeTransport, text: string, status: number, extra: string[] = []) => {
    t.inject(rawResponseTo(text, status, { toTag: 'x', extra }), {
      address: t.last()!.dest.address,
      port: t.last()!.dest.port,
    });
    await ticks();
  };
  const stop = (): Promise<void> => stopOnFakeClock(ua, clock);
  return { clock, udp, tcp, ua, reply, stop };
}

const register = (ua: UserAgent, extra: Partial<RegistrationOptions> = {}): Registration =>
  ua.register({
    registrar: 'sip:example.com',
    aor: 'sip:100@example.com',
    username: '100',
    password: 'pw',
    transport: 'udp',
    ...extra,
  });

describe('RFC 3263 §4.3 failover in UserAgentHost.send', () => {
  it('503 from the first SRV target: a new transaction (new branch) to the next; refreshes stick to it', async () => {
    const s = await setup();
    const reg = register(s.ua);
    await ticks();
    const first = s.udp.last()!;
    expect(first.dest).toMatchObject({ address: '192.0.2.1', port: 5070 });
    expect(first.text).toMatch(/^REGISTER sip:example.com SIP\/2.0/);
    await s.reply(s.udp, first.text, 503);
    const second = s.udp.last()!;
    expect(second.dest).toMatchObject({ address: '192.0.2.2', port: 5080 });
    const branch = (t: string) => /branch=([^;\r\n]+)/.exec(t)?.[1];
    expect(branch(second.text)).not.toBe(branch(first.text));
    expect(second.text.match(/^Via:/gm)).toHaveLength(1);
    await s.reply(s.udp, second.text, 200, ['Contact: <sip:100@127.0.0.1:5060>;expires=100']);
    expect(reg.state).toBe('registered');
    expect(reg.flowTarget).toMatchObject({ address: '192.0.2.2', port: 5080 });
    s.clock.advance(80_000);
    await ticks();
    expect(s.udp.last()!.dest).toMatchObject({ address: '192.0.2.2', port: 5080 });
    await s.stop();
  });

  it('a timeout (Timer F) on the first target fails over too; a 4xx does not', async () => {
    const s = await setup();
    const reg = register(s.ua);
    await ticks();
    s.clock.advance(32_000); // 64*T1
    await ticks();
    const second = s.udp.last()!;
    expect(second.dest).toMatchObject({ address: '192.0.2.2', port: 5080 });
    await s.reply(s.udp, second.text, 404);
    expect(reg.state).toBe('failed');
    expect(reg.lastError).toMatchObject({ reason: 'rejected', status: 404 });
    await s.stop();
  });

  it('every target failing gives the last response', async () => {
    const s = await setup();
    const res = s.ua.request('OPTIONS', 'sip:example.com');
    await ticks();
    await s.reply(s.udp, s.udp.last()!.text, 503);
    await s.reply(s.udp, s.udp.last()!.text, 503);
    expect((await res).status).toBe(503);
    expect(s.udp.sent).toHaveLength(2);
    await s.stop();
  });
});

describe('outbound proxy and Service-Route (RFC 3261 §8.1.2, RFC 3608, RFC 3327)', () => {
  it('REGISTER via the outbound proxy with Supported: path; later OPTIONS/INVITE from the AOR carry the Service-Route', async () => {
    const s = await setup();
    const reg = register(s.ua, { outboundProxy: 'sip:proxy:5090;lr', registrar: 'sip:example.com:5070' });
    await ticks();
    const r = s.udp.last()!;
    expect(r.dest).toMatchObject({ address: '192.0.2.50', port: 5090 });
    expect(r.text).toContain('Route: <sip:proxy:5090;lr>');
    expect(r.text).toMatch(/Supported: .*\bpath\b/);
    await s.reply(s.udp, r.text, 200, [
      'Contact: <sip:100@127.0.0.1:5060>;expires=300',
      'Service-Route: <sip:orig@192.0.2.60:5099;lr>',
    ]);
    expect(reg.state).toBe('registered');
    expect(reg.routeSet).toEqual(['<sip:proxy:5090;lr>', '<sip:orig@192.0.2.60:5099;lr>']);
    await ticks();
    // OPTIONS from the AOR: preloaded route set, sent to the first route (the proxy flow).
    void s.ua.request('OPTIONS', 'sip:200@example.com', { from: 'sip:100@example.com' });
    await ticks();
    const o = s.udp.last()!;
    expect(o.text).toMatch(/^OPTIONS sip:200@example.com /);
    expect(o.text).toContain('Route: <sip:proxy:5090;lr>\r\nRoute: <sip:orig@192.0.2.60:5099;lr>');
    expect(o.dest).toMatchObject({ address: '192.0.2.50', port: 5090 });
    // INVITE from the AOR (UserAgent.invite, unchanged): same route set, and its CANCEL follows it.
    const ac = new AbortController();
    const call = s.ua.invite('sip:300@192.0.2.77', {
      from: 'sip:100@example.com',
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
      signal: ac.signal,
    });
    call.catch(() => undefined);
    await ticks();
    const inv = s.udp.last()!;
    expect(inv.text).toMatch(/^INVITE sip:300@192.0.2.77 /);
    expect(inv.text).toContain('Route: <sip:proxy:5090;lr>');
    expect(inv.dest).toMatchObject({ address: '192.0.2.50', port: 5090 });
    s.udp.inject(rawResponseTo(inv.text, 180, { toTag: 'x' }), { address: '192.0.2.50', port: 5090 });
    await ticks();
    ac.abort();
    await ticks();
    const cancel = s.udp.last()!;
    expect(cancel.text).toMatch(/^CANCEL /);
    expect(cancel.dest).toMatchObject({ address: '192.0.2.50', port: 5090 });
    // Another From is not routed.
    void s.ua.request('OPTIONS', 'sip:200@192.0.2.77', { from: 'sip:999@example.com' });
    await ticks();
    expect(s.udp.last()!.text).not.toContain('Route:');
    expect(s.udp.last()!.dest).toMatchObject({ address: '192.0.2.77', port: 5060 });
    await s.stop();
  });
});

describe('RFC 3261 §18.1.1: large requests over TCP', () => {
  const big = Buffer.alloc(1400, 'a');
  it('a request larger than pathMtu - 200 goes over TCP with a TCP Via; small ones stay on UDP', async () => {
    const s = await setup({ tcp: true });
    void s.ua.request('MESSAGE', 'sip:200@192.0.2.77', { body: big, contentType: 'text/plain' });
    void s.ua.request('OPTIONS', 'sip:200@192.0.2.77');
    await ticks();
    expect(s.tcp.sent).toHaveLength(1);
    expect(s.tcp.last()!.text).toMatch(/^MESSAGE .*\r\nVia: SIP\/2.0\/TCP /s);
    expect(s.tcp.last()!.dest).toMatchObject({ protocol: 'tcp', address: '192.0.2.77', port: 5060 });
    expect(s.udp.sent.map((m) => m.text.split(' ')[0])).toEqual(['OPTIONS']);
    await s.stop();
  });

  it('the threshold follows pathMtu; a failed TCP connection falls back to UDP', async () => {
    const s = await setup({ tcp: true, pathMtu: 9000 });
    void s.ua.request('MESSAGE', 'sip:200@192.0.2.77', { body: big, contentType: 'text/plain' });
    await ticks();
    expect(s.tcp.sent).toHaveLength(0);
    await s.stop();
    const f = await setup({ tcp: true });
    f.tcp.failSends = 1;
    void f.ua.request('MESSAGE', 'sip:200@192.0.2.77', { body: big, contentType: 'text/plain' });
    await ticks();
    expect(f.udp.sent).toHaveLength(1);
    expect(f.udp.last()!.text).toMatch(/\r\nVia: SIP\/2.0\/UDP /);
    expect(f.udp.last()!.text.match(/^Via:/gm)).toHaveLength(1);
    await f.stop();
  });

  it('a large INVITE goes over TCP; without a TCP transport it stays on UDP', async () => {
    const s = await setup({ tcp: true });
    void s.ua
      .invite('sip:300@192.0.2.77', { body: big, contentType: 'application/sdp' })
      .catch(() => undefined);
    await ticks();
    expect(s.tcp.last()!.text).toMatch(/^INVITE .*Via: SIP\/2.0\/TCP /s);
    await s.stop();
    const u = await setup();
    void u.ua
      .invite('sip:300@192.0.2.77', { body: big, contentType: 'application/sdp' })
      .catch(() => undefined);
    await ticks();
    expect(u.udp.last()!.text).toMatch(/^INVITE /);
    await u.stop();
  });
});
