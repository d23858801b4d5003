import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Baresip } from '../helpers/baresip.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

interface Summary {
  id: string;
  state: string;
  direction: string;
  end_reason?: string;
  app?: string;
}
interface Status {
  status: string;
  active_calls: number;
  accounts: Array<{ name: string; status: string }>;
}

const account = (name: string, user: string, port: number): string =>
  `    - name: ${name}\n      server: 127.0.0.1\n      port: ${port}\n      username: ${user}\n      password: ${user}pw\n      domain: 127.0.0.1\n`;

/**
 * Operating the daemon against Kamailio and a baresip phone: several accounts, outbound
 * calls through the API, SIGHUP reload, SIGTERM drain, and the guide's metrics.
 */
describe('daemon operations: accounts, POST /calls, SIGHUP reload, SIGTERM drain, metrics', () => {
  const dir = runDir('daemon-ops');
  const cfgFile = join(dir, 'voice-assistant.yaml');
  let base = 0;
  let kamailio: Kamailio;
  let daemon: DaemonHandle;
  let phone: Baresip;

  const writeConfig = (names: string[]): void => {
    const users: Record<string, string> = { office: 'voice', sales: 'voice2', support: 'voice3' };
    writeFileSync(
      cfgFile,
      `shutdown_drain_sec: 4\nsip:\n  accounts:\n${names.map((n) => account(n, users[n] as string, base)).join('')}`,
    );
  };
  const status = async (): Promise<Status> => (await daemon.get<Status>('/sip/status')).body;
  const call = async (id: string): Promise<Summary> => (await daemon.get<Summary>(`/calls/${id}`)).body;
  const post = async (path: string, body: object): Promise<{ status: number; body: Summary }> => {
    const r = await fetch(`http://127.0.0.1:${daemon.httpPort}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Summary };
  };
  /** Places a call to the phone and answers it there; returns the call id. */
  const callPhone = async (): Promise<string> => {
    const before = phone.events.length;
    const r = await post('/calls', { to: 'alice', account: 'office' });
    expect(r.status).toBe(202);
    await until(
      () => phone.events.slice(before).some((e) => e.type === 'CALL_INCOMING'),
      10_000,
      'phone rings',
    );
    await phone.command('accept');
    await until(async () => (await call(r.body.id)).state === 'active', 10_000, 'call active');
    return r.body.id;
  };

  beforeAll(async () => {
    base = await freePortBlock(80);
    kamailio = await startKamailio({
      dir,
      port: base,
      users: { voice: 'voicepw', voice2: 'voice2pw', voice3: 'voice3pw', alice: 'alicepw' },
    });
    writeConfig(['office', 'sales']);
    daemon = await startDaemon({
      dir,
      sipPort: base + 2,
      httpPort: base + 3,
      rtpPortMin: base + 40,
      rtpPortMax: base + 59,
      args: ['--config', cfgFile],
    });
    phone = await Baresip.start({
      dir: join(dir, 'baresip'),
      sipPort: base + 4,
      ctrlPort: base + 7,
      rtpPort: base + 20,
      sourceWav: speechWav(dir, 'phone', 'Hello, this is the phone speaking.', 8000, 120),
      accounts: [`<sip:alice@127.0.0.1:${base}>;auth_pass=alicepw;regint=300;audio_codecs=PCMU/8000/1`],
    });
    await until(() => /alice@127\.0\.0\.1: .*200 OK/.test(phone.proc.output()), 10_000, 'phone registered');
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await kamailio?.stop();
    await stopAll();
  });

  it('registers two accounts at once', async () => {
    await until(
      async () => (await status()).accounts.every((a) => a.status === 'connected'),
      15_000,
      'both registered',
    );
    const s = await status();
    expect(s.status).toBe('connected');
    expect(s.accounts.map((a) => [a.name, a.status])).toEqual([
      ['office', 'connected'],
      ['sales', 'connected'],
    ]);
  });

  it('places a call with POST /calls that rings the phone through Kamailio, and DELETE hangs up', async () => {
    const id = await callPhone();
    const c = await call(id);
    expect(c).toMatchObject({ direction: 'outbound', state: 'active', app: 'echo-test' });
    const del = await fetch(`http://127.0.0.1:${daemon.httpPort}/calls/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await until(
      () => phone.events.filter((e) => e.type === 'CALL_CLOSED').length >= 1,
      10_000,
      'phone hung up',
    );
    expect(await call(id)).toMatchObject({ state: 'ended', end_reason: 'local-hangup' });
    expect((await daemon.get('/calls/nope')).status).toBe(404);
    expect((await post('/calls', {})).status).toBe(400);
  });

  it('reloads on SIGHUP: a new account registers and a call in progress stays up', async () => {
    const id = await callPhone();
    writeConfig(['office', 'sales', 'support']);
    process.kill(daemon.proc.pid, 'SIGHUP');
    await until(
      async () => (await status()).accounts.find((a) => a.name === 'support')?.status === 'connected',
      15_000,
      'support registered',
    );
    expect((await status()).accounts.map((a) => a.status)).toEqual(['connected', 'connected', 'connected']);
    expect((await call(id)).state).toBe('active');
    await fetch(`http://127.0.0.1:${daemon.httpPort}/calls/${id}`, { method: 'DELETE' });
    await until(async () => (await status()).active_calls === 0, 5000, 'call ended');
  });

  it("counts the guide's series: calls by provider and status, durations, errors", async () => {
    const metrics = await daemon.text('/metrics');
    expect(metrics).toMatch(/voice_assistant_calls_total\{[^}]*provider="sip"[^}]*status="success"[^}]*\} 2/);
    expect(metrics).toMatch(/voice_assistant_call_duration_seconds_count\{[^}]*provider="sip"[^}]*\} 2/);
    expect(metrics).toMatch(/voice_assistant_call_duration_seconds_sum\{[^}]*provider="sip"/);
    expect(metrics).toMatch(/voice_assistant_sip_registered\{account="support"\} 1/);
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);
  });

  it('drains on SIGTERM: refuses new calls, ends the active one after the drain timeout, exits 0', async () => {
    const id = await callPhone();
    const closedBefore = phone.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const t0 = Date.now();
    process.kill(daemon.proc.pid, 'SIGTERM');
    await until(async () => (await daemon.get('/readyz')).status === 503, 3000, 'not ready while draining');
    expect((await status()).status).toBe('draining');
    expect((await post('/calls', { to: 'alice' })).status).toBe(503);
    expect((await call(id)).state).toBe('active'); // still up during the drain
    const code = await daemon.proc.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3500); // waited for the 4 s drain
    await until(
      () => phone.events.filter((e) => e.type === 'CALL_CLOSED').length > closedBefore,
      5000,
      'phone got BYE',
    );
    const log = daemon.logs().map((l) => String(l.msg));
    expect(log).toContain('call ended: shutdown');
    expect(log).toContain('voice-assistant stopped');
  });
});
