import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { sippCallThrough } from '../helpers/kamailio-ws.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';

const INSTANCE_A = '1f0c2a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const INSTANCE_B = '9e8d7c6b-5a49-4838-a726-15f4e3d2c1b0';

/**
 * After every REGISTER Kamailio logs the bindings of the AOR (registrar's
 * reg_fetch_contacts): their count and the first two +sip.instance values.
 */
const logBindings = (cfg: string): string =>
  cfg.replace(
    'xlog("L_NOTICE", "REGISTER $tu OK (contact $ct)\\n");',
    'xlog("L_NOTICE", "REGISTER $tu OK (contact $ct)\\n");\n' +
      '        reg_fetch_contacts("location", "$tu", "c");\n' +
      '        xlog("L_NOTICE", "BINDINGS $tU count=$(ulc(c=>count)) i0=$(ulc(c=>instance)[0]) i1=$(ulc(c=>instance)[1])\\n");',
  );

/**
 * Several replicas of the assistant on one extension (issue #3, "RFC 5626 outbound
 * (+sip.instance, reg-id) so that several replicas can register the same extension"): each
 * daemon has its own SIP_INSTANCE_ID, registers its own binding next to the other's, and
 * removes only its own when it stops; calls then reach the replica that is left.
 */
describe('two replicas register one extension at Kamailio', () => {
  const dir = runDir('replicas');
  let base = 0;
  let kamailio: Kamailio;

  beforeAll(async () => {
    base = await freePortBlock(60);
    kamailio = await startKamailio({
      dir: join(dir, 'kamailio'),
      port: base,
      users: { '100': 'pw100', alice: 'alicepw' },
      cfgTransform: logBindings,
    });
  });
  afterAll(async () => {
    await kamailio?.stop();
    await stopAll();
  });

  const replica = (name: string, offset: number, instance: string): Promise<DaemonHandle> =>
    startDaemon({
      dir,
      name,
      sipPort: base + offset,
      httpPort: base + offset + 1,
      rtpPortMin: base + offset + 2,
      rtpPortMax: base + offset + 11,
      env: {
        SIP_SERVER: '127.0.0.1',
        SIP_PORT: String(base),
        SIP_DOMAIN: '127.0.0.1',
        SIP_USERNAME: '100',
        SIP_PASSWORD: 'pw100',
        SIP_INSTANCE_ID: instance,
        RTP_MEDIA_TIMEOUT_SEC: '0',
      },
    });

  /** The BINDINGS lines Kamailio logged after `from` characters of its output. */
  const bindingsSince = (from: number): string[] =>
    kamailio.proc
      .output()
      .slice(from)
      .split('\n')
      .filter((l) => l.includes('BINDINGS 100 '));

  it('both bindings coexist (one per +sip.instance); a stopped replica removes only its own; calls reach the other', async () => {
    const a = await replica('replica-a', 10, INSTANCE_A);
    await a.waitLog(/^SIP registration successful$/, 15_000);
    const b = await replica('replica-b', 30, INSTANCE_B);
    await b.waitLog(/^SIP registration successful$/, 15_000);
    const both = await until(
      () => bindingsSince(0).find((l) => l.includes('count=2')),
      10_000,
      'two bindings for 100',
    );
    expect(both).toContain(`urn:uuid:${INSTANCE_A}`);
    expect(both).toContain(`urn:uuid:${INSTANCE_B}`);
    for (const d of [a, b])
      expect((await d.get<{ status: string }>('/sip/status')).body.status).toBe('connected');

    // Replica A shuts down: its un-REGISTER (Expires: 0 on its own Contact) leaves B's binding.
    const mark = kamailio.proc.output().length;
    expect(await a.stop()).toBe(0);
    const left = await until(
      () => bindingsSince(mark).find((l) => l.includes('count=1')),
      10_000,
      'one binding left',
    );
    expect(left).toContain(`i0=<urn:uuid:${INSTANCE_B}>`);
    expect((await b.get<{ status: string }>('/sip/status')).body.status).toBe('connected');

    // A call to extension 100 through the registrar reaches replica B.
    const call = await sippCallThrough({ ip: '127.0.0.1', sipPort: base }, '100', {
      dir,
      name: 'caller',
      port: base + 50,
    });
    expect(call.exitCode, call.output.slice(-2000)).toBe(0);
    await b.waitLog(/^incoming call$/, 5000);
    expect(await b.stop()).toBe(0);
  });
});
