import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp, scenarioArgs } from '../helpers/sipp.js';
import { stopAll, until } from '../helpers/processes.js';

/** SIPp scenarios for call features, driven straight at the daemon (RFC 3261, 3264, 3311). */
describe('sipp feature scenarios against the daemon', () => {
  const dir = runDir('sipp-features');
  let base = 0;
  let ringing: DaemonHandle;
  let shortTimeout: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(120);
    [ringing, shortTimeout] = await Promise.all([
      startDaemon({
        dir,
        name: 'daemon-ringing',
        sipPort: base,
        httpPort: base + 1,
        rtpPortMin: base + 40,
        rtpPortMax: base + 79,
        env: { SIP_ANSWER_DELAY_MS: '800', RTP_MEDIA_TIMEOUT_SEC: '0' },
      }),
      startDaemon({
        dir,
        name: 'daemon-timeout',
        sipPort: base + 2,
        httpPort: base + 3,
        rtpPortMin: base + 80,
        rtpPortMax: base + 119,
        env: { RTP_MEDIA_TIMEOUT_SEC: '2' },
      }),
    ]);
  });
  afterAll(async () => {
    await ringing?.stop();
    await shortTimeout?.stop();
    await stopAll();
  });

  const scenario = async (name: string, port: number, sipPort: number, timeoutSec = 20) =>
    runSipp(scenarioArgs(`127.0.0.1:${port}`, name, sipPort, sipPort + 10), { dir, name, timeoutSec });

  it('CANCEL before answer: 200 to the CANCEL, 487 to the INVITE', async () => {
    const r = await scenario('cancel', base, base + 4);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await ringing.waitLog(/^call ended: cancelled$/, 5000);
    const metrics = await ringing.text('/metrics');
    expect(metrics).toMatch(/voice_assistant_calls_total\{[^}]*status="cancelled"[^}]*\} 1/);
  });

  it('re-INVITE hold (sendonly -> recvonly) and resume (sendrecv) keep the call up', async () => {
    const r = await scenario('reinvite-hold', base, base + 5);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await ringing.waitLog(/^call put on hold by the remote party$/, 5000);
    await ringing.waitLog(/^call ended: remote-bye$/, 5000);
  });

  it('UPDATE with an offer is answered in its 200; UPDATE without a body refreshes', async () => {
    const r = await scenario('update', base, base + 6);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
  });

  it('blind transfer: POST /calls/:id/transfer sends REFER, the far end accepts (202), the daemon leaves', async () => {
    const run = scenario('refer-accepted', base, base + 8);
    const base_ = `http://127.0.0.1:${base + 1}`;
    const active = await until(
      async () => {
        const r = (await (await fetch(`${base_}/calls`)).json()) as {
          calls: Array<{ id: string; state: string }>;
        };
        return r.calls.find((c) => c.state === 'active');
      },
      10_000,
      'an active call',
    );
    const t = await fetch(`${base_}/calls/${active.id}/transfer`, {
      method: 'POST',
      body: JSON.stringify({ target: '200' }),
    });
    expect(t.status).toBe(202);
    expect(((await t.json()) as { transferred: boolean }).transferred).toBe(true);
    const r = await run;
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await ringing.waitLog(/^transfer accepted$/, 5000);
    await ringing.waitLog(/^call ended: transferred$/, 5000);
  });

  it('the daemon hangs up with BYE when no RTP arrives (media timeout)', async () => {
    const r = await scenario('daemon-bye', base + 2, base + 7);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await shortTimeout.waitLog(/^call ended: media-timeout$/, 5000);
    const metrics = await shortTimeout.text('/metrics');
    expect(metrics).toMatch(/voice_assistant_errors_total\{error_type="media_timeout"[^}]*\} 1/);
  });
});
