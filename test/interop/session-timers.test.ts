import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { stopAll } from '../helpers/processes.js';

/**
 * RFC 4028 session timers with SIPp straight at the daemon: the daemon as UAS answers
 * Session-Expires with the refresher the caller asked for and Require: timer (§9), and as
 * refresher sends its refresh re-INVITE at half the interval (§10).
 */
describe('session timers (RFC 4028) against the daemon', () => {
  const dir = runDir('session-timers');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(60);
    daemon = await startDaemon({
      dir,
      name: 'daemon-timers',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 10,
      rtpPortMax: base + 49,
      env: { RTP_MEDIA_TIMEOUT_SEC: '0' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  it('refresher=uas: 200 with Session-Expires;refresher=uas + Require: timer, then the daemon refreshes at 45 s', async () => {
    const sipPort = base + 50;
    const r = await runSipp(
      [
        `127.0.0.1:${base}`,
        '-sf',
        join(ROOT, 'test/sipp/session-timer-refresh.xml'),
        '-s',
        'echo',
        '-m',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(sipPort),
        '-mp',
        String(sipPort + 2),
      ],
      { dir, name: 'session-timer-refresh', timeoutSec: 90 },
    );
    expect(r.exitCode, r.output.slice(-3000)).toBe(0);
    await daemon.waitLog(/^call ended: remote-bye$/, 5000);
  }, 120_000);
});
