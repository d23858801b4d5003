import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import {
  kamailioWsAvailable,
  logRouting,
  sippCallThrough,
  startKamailioWs,
  wssAccountEnv,
  type KamailioWs,
} from '../helpers/kamailio-ws.js';
import { ROOT, SHARED, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { runSipp } from '../helpers/sipp.js';

interface Status {
  status: string;
  sip_username: string | null;
  accounts: Array<{ name: string; status: string; transport: string }>;
}

/**
 * SIP over secure WebSocket (RFC 7118) against a real Kamailio 5.6 WSS registrar
 * (websocket + tls modules, ../shared/peers/kamailio/ws-registrar.cfg, self-signed
 * certificate made here): the daemon registers over WSS with digest auth, and a UDP phone
 * (sipp) registered at the same Kamailio calls it: the INVITE reaches the daemon over the
 * WebSocket and is answered. Media stays plain RTP/AVP.
 */
describe.skipIf(!kamailioWsAvailable())('SIP over WSS with Kamailio (kamailio-websocket-modules)', () => {
  const dir = runDir('wss-registration');
  let base = 0;
  let kamailio: KamailioWs;
  let daemon: DaemonHandle;

  const startRegistrar = (): Promise<KamailioWs> =>
    startKamailioWs({
      dir: join(dir, 'k'),
      sipPort: base,
      wsPort: base + 1,
      wssPort: base + 2,
      users: { voice: 'voicepw', alice: 'alicepw' },
      cfgTransform: logRouting,
    });

  /** sipp registers alice over UDP, then calls `voice` through Kamailio (407 answered). */
  const call = (name: string): ReturnType<typeof sippCallThrough> =>
    sippCallThrough(kamailio, 'voice', { dir, name, port: base + 20 });

  beforeAll(async () => {
    base = await freePortBlock(40);
    kamailio = await startRegistrar();
    daemon = await startDaemon({
      dir,
      sipPort: base + 4,
      httpPort: base + 5,
      rtpPortMin: base + 10,
      rtpPortMax: base + 19,
      // No SIP_SERVER: the WebSocket URL's host stands in for it.
      env: wssAccountEnv(kamailio, 'voice', 'voicepw'),
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await kamailio?.stop();
    await stopAll();
  });

  it('registers over WSS with digest auth (Via WSS, .invalid Contact with transport=ws)', async () => {
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    const { body } = await daemon.get<Status>('/sip/status');
    expect(body).toMatchObject({ status: 'connected', sip_username: 'voice' });
    expect(body.accounts[0]).toMatchObject({ status: 'connected', transport: 'wss' });
    // Kamailio challenged (401) and saved the binding it received over WSS.
    const line = await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 over wss contact/, 5000);
    expect(line).toMatch(
      /contact <sip:voice@([a-z0-9]+)\.invalid;transport=ws> via SIP\/2\.0\/WSS \1\.invalid;branch=z9hG4bK/,
    );
  });

  it('a UDP phone registered at the same Kamailio calls the daemon: the INVITE arrives over the WebSocket, answered 200', async () => {
    const result = await call('caller');
    expect(result.exitCode, result.output.slice(-2000)).toBe(0);
    expect(result.successful).toBe(1);
    // Kamailio relayed the INVITE to the daemon's WebSocket contact ...
    const relay = await kamailio.proc.waitFor(/RELAY INVITE sip:voice@[a-z0-9]+\.invalid;transport=ws/, 5000);
    expect(relay).toMatch(/dst sip:127\.0\.0\.1:\d+;transport=ws/);
    // ... and the daemon answered it.
    await daemon.waitLog(/^call answered/, 10_000);
    const invite = daemon.logs().find((l) => /^call answered/.test(String(l.msg)));
    expect(invite).toBeDefined();
  });

  it('places a call over the WebSocket (POST /calls): Kamailio relays it to a UDP phone, answered, DELETE sends BYE', async () => {
    // The phone registers over UDP (sipp, then exits), then a built-in sipp UAS answers on that port.
    const phonePort = base + 24;
    const reg = await runSipp(
      [
        `127.0.0.1:${base}`,
        '-sf',
        join(SHARED, 'peers/sipp/reg-auth.xml'),
        '-s',
        'alice',
        '-au',
        'alice',
        '-ap',
        'alicepw',
        '-i',
        '127.0.0.1',
        '-p',
        String(phonePort),
        '-m',
        '1',
      ],
      { dir, name: 'phone-register', timeoutSec: 15 },
    );
    expect(reg.exitCode, reg.output.slice(-2000)).toBe(0);
    const uas = runSipp(
      [
        '-sf',
        join(ROOT, 'test/sipp/uas-record-route.xml'),
        '-i',
        '127.0.0.1',
        '-p',
        String(phonePort),
        '-mp',
        String(base + 26),
        '-m',
        '1',
      ],
      { dir, name: 'phone-uas', timeoutSec: 30 },
    );
    const res = await fetch(`http://127.0.0.1:${daemon.httpPort}/calls`, {
      method: 'POST',
      body: JSON.stringify({ to: 'alice' }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await until(
      async () => (await daemon.get<{ state: string }>(`/calls/${id}`)).body.state === 'active',
      15_000,
      'outbound call active',
    );
    await kamailio.proc.waitFor(/RELAY INVITE sip:alice@127\.0\.0\.1:\d+/, 5000);
    // The ACK went back through Kamailio (loose routing over the WebSocket leg).
    await kamailio.proc.waitFor(/RELAY ACK sip:127\.0\.0\.1:\d+/, 5000);
    const del = await fetch(`http://127.0.0.1:${daemon.httpPort}/calls/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await kamailio.proc.waitFor(/RELAY BYE sip:127\.0\.0\.1:\d+/, 5000);
    const done = await uas;
    expect(done.exitCode, done.output.slice(-2000)).toBe(0); // the UAS got its BYE
  });

  it('re-registers over a new WebSocket after the registrar restarts, and still receives calls', async () => {
    await kamailio.stop(); // the WSS connection drops; the location table (in memory) is gone
    // The daemon reports the binding lost at once instead of at the next refresh.
    await daemon.waitLog(/^SIP registration failed: connection to the registrar lost$/, 5000);
    expect((await daemon.get<Status>('/sip/status')).body.status).not.toBe('connected');
    kamailio = await startRegistrar();
    // The transport reconnects with backoff and the registration re-REGISTERs at once.
    await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 over wss contact/, 20_000);
    await until(
      async () => (await daemon.get<Status>('/sip/status')).body.status === 'connected',
      10_000,
      'daemon connected again',
    );
    const result = await call('caller-after-restart');
    expect(result.exitCode, result.output.slice(-2000)).toBe(0);
  });
});
