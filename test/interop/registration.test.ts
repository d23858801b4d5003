import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';

interface Status {
  status: string;
  sip_server: string | null;
  sip_username: string | null;
  active_calls: number;
  calls: unknown[];
  accounts: Array<{ name: string; status: string; last_error: { reason: string } | null }>;
}

describe('registration with Kamailio (digest auth)', () => {
  const dir = runDir('registration');
  let base = 0;
  let kamailio: Kamailio;

  beforeAll(async () => {
    base = await freePortBlock(40);
    kamailio = await startKamailio({ dir, port: base, users: { voice: 'voicepw', alice: 'alicepw' } });
  });
  afterAll(stopAll);

  it('registers with the right password: /sip/status says connected', async () => {
    const daemon = await startDaemon({
      dir,
      name: 'daemon-ok',
      sipPort: base + 2,
      httpPort: base + 3,
      rtpPortMin: base + 20,
      rtpPortMax: base + 29,
      env: {
        SIP_SERVER: '127.0.0.1',
        SIP_PORT: String(kamailio.port),
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_DOMAIN: '127.0.0.1',
      },
    });
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    const { status, body } = await daemon.get<Status>('/sip/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'connected',
      sip_server: '127.0.0.1',
      sip_username: 'voice',
      active_calls: 0,
      calls: [],
    });
    expect((await daemon.get('/readyz')).status).toBe(200);
    expect((await daemon.get('/healthz')).status).toBe(200);
    // un-REGISTER on shutdown, exit 0
    expect(await daemon.stop()).toBe(0);
  });

  it('says registering while the registrar has not answered yet (and /readyz is 503)', async () => {
    const silent = createSocket('udp4'); // bound, never answers: the REGISTER stays in flight
    await new Promise<void>((r) => silent.bind(base + 8, '127.0.0.1', () => r()));
    try {
      const daemon = await startDaemon({
        dir,
        name: 'daemon-registering',
        sipPort: base + 6,
        httpPort: base + 7,
        rtpPortMin: base + 10,
        rtpPortMax: base + 19,
        env: {
          SIP_SERVER: '127.0.0.1',
          SIP_PORT: String(base + 8),
          SIP_USERNAME: 'voice',
          SIP_PASSWORD: 'voicepw',
        },
      });
      const { body } = await daemon.get<Status>('/sip/status');
      expect(body.status).toBe('registering');
      expect(body.accounts[0]?.status).toBe('registering');
      const ready = await daemon.get<{ reason: string }>('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.reason).toMatch(/not registered/);
      await daemon.stop();
    } finally {
      silent.close();
    }
  });

  it('reports a wrong password as failed with the cause, and retries with backoff (no tight loop)', async () => {
    const cfg = join(dir, 'wrong.yaml');
    writeFileSync(
      cfg,
      `sip:\n  accounts:\n    - name: office\n      server: 127.0.0.1\n      port: ${kamailio.port}\n      username: voice\n      password: not-the-password\n      domain: 127.0.0.1\n      retry_initial_ms: 500\n      retry_max_ms: 1000\n`,
    );
    const daemon: DaemonHandle = await startDaemon({
      dir,
      name: 'daemon-wrong',
      sipPort: base + 4,
      httpPort: base + 5,
      rtpPortMin: base + 30,
      rtpPortMax: base + 39,
      args: ['--config', cfg],
    });
    const line = await daemon.waitLog(/^SIP registration failed/, 15_000);
    expect(String(line.msg)).toMatch(/SIP registration failed/);
    expect(line.cause).toBe('auth');
    const { body } = await daemon.get<Status>('/sip/status');
    expect(body.status).toBe('failed');
    expect(body.accounts[0]).toMatchObject({ name: 'office', status: 'failed' });
    expect(body.accounts[0]?.last_error?.reason).toBe('auth');
    expect((await daemon.get('/readyz')).status).toBe(503);
    // it retries...
    await until(
      () => daemon.logs().filter((l) => /^SIP registration failed/.test(String(l.msg))).length >= 2,
      10_000,
      'a retry',
    );
    // ...but with backoff: not dozens of attempts in a few seconds
    await new Promise((r) => setTimeout(r, 2000));
    const attempts = daemon.logs().filter((l) => /^SIP registration failed/.test(String(l.msg))).length;
    expect(attempts).toBeLessThan(10);
    const metrics = await daemon.text('/metrics');
    expect(metrics).toMatch(
      /voice_assistant_errors_total\{error_type="registration",account="office"\} [1-9]/,
    );
    await daemon.stop();
  });
});
