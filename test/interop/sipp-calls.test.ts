import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp } from '../helpers/sipp.js';
import { stopAll, until } from '../helpers/processes.js';

describe('sipp calls straight to the daemon (embedded echo test)', () => {
  const dir = runDir('sipp-calls');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(400);
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 100,
      rtpPortMax: base + 399,
      env: { LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  const target = (): string => `127.0.0.1:${base}`;

  it('answers OPTIONS with 200 and its capabilities', async () => {
    const r = await runSipp(
      [
        target(),
        '-sf',
        join(ROOT, 'test/sipp/options.xml'),
        '-m',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(base + 10),
      ],
      {
        dir,
        name: 'options',
        timeoutSec: 15,
      },
    );
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
  });

  it('completes 100 sequential INVITE/200/ACK/BYE calls with 0 failures', async () => {
    const r = await runSipp(
      [
        target(),
        '-sn',
        'uac',
        '-s',
        'echo',
        '-m',
        '100',
        '-l',
        '1',
        '-r',
        '50',
        '-d',
        '100',
        '-i',
        '127.0.0.1',
        '-p',
        String(base + 11),
        '-mp',
        String(base + 40),
      ],
      { dir, name: 'sequential', timeoutSec: 60 },
    );
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    expect(r.successful).toBe(100);
    expect(r.failed).toBe(0);
  });

  it('holds a load smoke of 20 calls/s for 15 s with 0 failed calls', async () => {
    const r = await runSipp(
      [
        target(),
        '-sn',
        'uac',
        '-s',
        'echo',
        '-r',
        '20',
        '-m',
        '300',
        '-l',
        '60',
        '-d',
        '1000',
        '-i',
        '127.0.0.1',
        '-p',
        String(base + 12),
        '-mp',
        String(base + 60),
      ],
      { dir, name: 'load', timeoutSec: 60 },
    );
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    expect(r.successful).toBe(300);
    expect(r.failed).toBe(0);
    // every call ended and released its ports
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      10_000,
      'calls to end',
    );
    const metrics = await daemon.text('/metrics');
    const m =
      /voice_assistant_calls_total\{provider="sip",status="success",account="default",direction="inbound"\} (\d+)/.exec(
        metrics,
      );
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(400);
  });
});
