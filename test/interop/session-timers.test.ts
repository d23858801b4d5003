import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp, scenarioArgs } from '../helpers/sipp.js';
import { stopAll } from '../helpers/processes.js';

/**
 * RFC 4028 session timers with SIPp straight at the daemon: the daemon as UAS answers
 * Session-Expires with the refresher the caller asked for and Require: timer (§9), and as
 * refresher sends its refresh re-INVITE at half the interval (§10); a re-INVITE from the
 * caller while that refresh is pending is refused with 491 (RFC 3261 §14.2).
 */
describe('session timers (RFC 4028) against the daemon', () => {
  const dir = runDir('session-timers');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(70);
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

  const scenario = (name: string, sipPort: number) =>
    runSipp(scenarioArgs(`127.0.0.1:${base}`, name, sipPort, sipPort + 2), { dir, name, timeoutSec: 90 });

  // Both scenarios wait for the refresh at 45 s, so they run side by side.
  it('refresher=uas: Session-Expires;refresher=uas + Require: timer, the refresh at 45 s, and 491 glare against it', async () => {
    const [refresh, glare] = await Promise.all([
      scenario('session-timer-refresh', base + 50),
      // RFC 3261 §14.2: our re-INVITE while the daemon's refresh re-INVITE is pending gets 491.
      scenario('glare-491', base + 60),
    ]);
    expect(refresh.exitCode, refresh.output.slice(-3000)).toBe(0);
    expect(glare.exitCode, glare.output.slice(-3000)).toBe(0);
    await daemon.waitLog(/^call ended: remote-bye$/, 5000);
  }, 120_000);
});
