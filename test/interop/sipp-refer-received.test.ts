import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { stopAll, until } from '../helpers/processes.js';

interface CallsList {
  calls: Array<{ id: string; state: string; direction: string; to: string; end_reason?: string }>;
}

/**
 * The daemon as transferee (RFC 3515 §2.4.2-§2.4.7): sipp calls it and sends REFER inside
 * the call; the daemon accepts (202), reports NOTIFY 100 Trying, calls the Refer-To target
 * (a second sipp, `-sn uas`), reports its progress up to NOTIFY 200, and leaves the first
 * call with BYE while the new call goes on with its own app.
 */
describe('sipp: REFER received by the daemon', () => {
  const dir = runDir('sipp-refer-received');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(60);
    daemon = await startDaemon({
      dir,
      name: 'daemon-transferee',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 20,
      rtpPortMax: base + 59,
      // A direct SIP peer, no registrar: REFERs are acted on only with accept_refer any.
      env: { RTP_MEDIA_TIMEOUT_SEC: '0', SIP_ACCEPT_REFER: 'any' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  const api = (): string => `http://127.0.0.1:${base + 1}`;
  const calls = async (): Promise<CallsList['calls']> =>
    ((await (await fetch(`${api()}/calls`)).json()) as CallsList).calls;

  it('blind transfer: 202, NOTIFY 100/.../200, the target is called, the first call ends with BYE', async () => {
    const targetPort = base + 4;
    // The transfer target: answers one INVITE (180, 200) and waits for its BYE.
    const target = runSipp(
      ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(targetPort), '-mp', String(base + 16), '-m', '1'],
      { dir, name: 'refer-target', timeoutSec: 40 },
    );
    const transferor = await runSipp(
      [
        `127.0.0.1:${base}`,
        '-sf',
        join(ROOT, 'test/sipp/refer-received.xml'),
        '-s',
        'echo',
        '-key',
        'target_port',
        String(targetPort),
        '-m',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(base + 2),
        '-mp',
        String(base + 10),
        '-trace_msg',
        '-message_file',
        join(dir, 'refer-received-messages.log'),
      ],
      { dir, name: 'refer-received', timeoutSec: 30 },
    );
    expect(transferor.exitCode, transferor.output.slice(-2000)).toBe(0);
    await daemon.waitLog(/^transfer requested: REFER accepted$/, 5000);
    await daemon.waitLog(/^transfer completed$/, 5000);
    await daemon.waitLog(/^call ended: transferred$/, 5000);
    // The new call to the target is up, with its own app; hang it up to let the target finish.
    const leg = await until(
      async () => (await calls()).find((c) => c.direction === 'outbound' && c.state === 'active'),
      10_000,
      'the active call to the transfer target',
    );
    expect(leg.to).toMatch(new RegExp(`^sip:target@127\\.0\\.0\\.1:${targetPort}`));
    expect((await fetch(`${api()}/calls/${leg.id}`, { method: 'DELETE' })).ok).toBe(true);
    const t = await target;
    expect(t.exitCode, t.output.slice(-2000)).toBe(0);
  });
});
