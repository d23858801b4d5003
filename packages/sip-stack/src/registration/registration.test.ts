import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { RegistrationOptions } from './registration.js';

async function ticks(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function setup(extra: Partial<RegistrationOptions> = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp', { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock, userAgent: 'va/0.1' });
  await ua.start();
  const reg = ua.register({
    registrar: 'sip:127.0.0.1:5080',
    aor: 'sip:100@pbx.example.com',
    username: '100',
    authUsername: 'auth100',
    password: 'secret',
    retry: { initialDelayMs: 2000, maxDelayMs: 60_000, jitter: 0 },
    ...extra,
  });
  const events: string[] = [];
  reg.on('registered', (e: { expiresSec: number }) => events.push(`registered:${e.expiresSec}`));
  reg.on('failed', (e: { reason: string; status?: number }) => events.push(`failed:${e.reason}:${e.status}`));
  reg.on('unregistered', () => events.push('unregistered'));
  await ticks();
  const registers = () => transport.sent.filter((s) => s.text.startsWith('REGISTER '));
  const lastRegister = () => registers().at(-1)!.text;
  const reply = async (status: number, extraHeaders: string[] = []) => {
    transport.inject(rawResponseTo(lastRegister(), status, { toTag: 'reg', extra: extraHeaders }), {
      address: '127.0.0.1',
      port: 5080,
    });
    await ticks();
  };
  return { clock, transport, ua, reg, events, registers, lastRegister, reply };
}

const CHALLENGE = 'WWW-Authenticate: Digest realm="pbx", nonce="n1", qop="auth", algorithm=MD5';

describe('Registration (RFC 3261 §10.2)', () => {
  it('registers with digest auth (401), honours the granted expiry and refreshes at 80 %', async () => {
    const s = await setup();
    expect(s.reg.state).toBe('registering');
    const first = s.lastRegister();
    expect(first).toMatch(/^REGISTER sip:127.0.0.1:5080 SIP\/2.0/);
    expect(first).toContain('Contact: <sip:100@127.0.0.1:5060>');
    expect(first).toContain('Expires: 300');
    expect(first).toContain('CSeq: 1 REGISTER');
    expect(first).toContain('User-Agent: va/0.1');
    await s.reply(401, [CHALLENGE]);
    const second = s.lastRegister();
    expect(second).toContain('CSeq: 2 REGISTER');
    expect(second).toMatch(/Authorization: Digest username="auth100", realm="pbx", uri="sip:127.0.0.1:5080"/);
    expect(second).toContain('nc=00000001');
    await s.reply(200, ['Contact: <sip:100@127.0.0.1:5060>;expires=120']);
    expect(s.reg.state).toBe('registered');
    expect(s.reg.expiresSec).toBe(120);
    expect(s.events).toEqual(['registered:120']);
    // refresh at 0.8 * 120 s = 96 s; same Call-ID, next CSeq, pre-emptive credentials (nc=2)
    s.clock.advance(95_999);
    expect(s.registers()).toHaveLength(2);
    s.clock.advance(1);
    await ticks();
    expect(s.registers()).toHaveLength(3);
    const refresh = s.lastRegister();
    const callId = (t: string) => /Call-ID: (.*)/.exec(t)?.[1];
    expect(callId(refresh)).toBe(callId(first));
    expect(refresh).toContain('CSeq: 3 REGISTER');
    expect(refresh).toContain('nc=00000002');
  });

  it('answers 407 with Proxy-Authorization', async () => {
    const s = await setup();
    await s.reply(407, [CHALLENGE.replace('WWW-Authenticate', 'Proxy-Authenticate')]);
    expect(s.lastRegister()).toContain('Proxy-Authorization: Digest username="auth100"');
  });

  it('retries a stale nonce at once without failing, and reports a wrong password once per attempt with backoff', async () => {
    const s = await setup();
    await s.reply(401, [CHALLENGE]);
    await s.reply(401, [CHALLENGE.replace('n1', 'n2') + ', stale=true']);
    expect(s.events).toEqual([]);
    expect(s.registers()).toHaveLength(3);
    await s.reply(401, [CHALLENGE.replace('n1', 'n3')]);
    expect(s.events).toEqual(['failed:auth:401']);
    expect(s.reg.state).toBe('failed');
    expect(s.reg.lastError?.reason).toBe('auth');
    // no tight loop: the next attempt waits for the backoff (2 s, then 4 s)
    expect(s.registers()).toHaveLength(3);
    s.clock.advance(2000);
    await ticks();
    expect(s.registers()).toHaveLength(4);
    await s.reply(403);
    expect(s.events).toEqual(['failed:auth:401', 'failed:auth:403']);
    s.clock.advance(3999);
    await ticks();
    expect(s.registers()).toHaveLength(4);
    s.clock.advance(1);
    await ticks();
    expect(s.registers()).toHaveLength(5);
  });

  it('handles 423 Interval Too Brief by retrying with Min-Expires', async () => {
    const s = await setup({ expiresSec: 60 });
    await s.reply(423, ['Min-Expires: 600']);
    expect(s.lastRegister()).toContain('Expires: 600');
    await s.reply(200, ['Expires: 600']);
    expect(s.reg.expiresSec).toBe(600);
  });

  it('reports a timeout (Timer F) and retries with backoff', async () => {
    const s = await setup();
    s.clock.advance(32_000);
    await ticks();
    expect(s.events).toEqual(['failed:timeout:408']);
    expect(s.reg.lastError?.reason).toBe('timeout');
  });

  it('reports a transport error', async () => {
    const s = await setup();
    s.transport.failSends = 1;
    s.clock.advance(500); // Timer E retransmission fails
    await ticks();
    expect(s.events).toEqual(['failed:transport:503']);
  });

  it('unregisters with Expires: 0', async () => {
    const s = await setup();
    await s.reply(200);
    const done = s.reg.unregister();
    await ticks();
    expect(s.lastRegister()).toContain('Expires: 0');
    await s.reply(200);
    await done;
    expect(s.reg.state).toBe('unregistered');
    expect(s.events).toEqual(['registered:300', 'unregistered']);
    expect(s.clock.pending()).toBeGreaterThanOrEqual(0);
  });

  it('puts ;transport=tcp in the Contact over TCP', async () => {
    const clock = new FakeClock();
    const transport = new FakeTransport('tcp', { address: '127.0.0.1', port: 5060 });
    const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
    await ua.start();
    ua.register({
      registrar: 'sip:127.0.0.1:5080;transport=tcp',
      aor: 'sip:100@pbx',
      username: '100',
      password: 'x',
    });
    await ticks();
    expect(transport.last()!.text).toContain('Contact: <sip:100@127.0.0.1:5060;transport=tcp>');
    expect(transport.last()!.text).toMatch(/Via: SIP\/2.0\/TCP 127.0.0.1:5060;branch=z9hG4bK\w+;rport/);
  });
});
