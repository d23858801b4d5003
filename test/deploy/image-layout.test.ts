/**
 * The Docker image's contents, built for real without Docker: the Dockerfile's build stage
 * ends with `pnpm --filter @voice-assistant/daemon deploy --prod /out`, and the runtime
 * stage runs `node /app/dist/cli.js` from /var/spool/voice-assistant. This test runs that
 * same deploy into a scratch directory, checks what it holds (dist, prompts, Opus built,
 * no dev dependencies), then starts the daemon from it as the image would, checks
 * /healthz (the HEALTHCHECK) and /sip/status, and stops it with SIGTERM (the STOPSIGNAL).
 * Needs the built workspace (`pnpm build`); skipped without it outside CI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortBlock } from '../helpers/ports.js';
import { ROOT } from './helpers.js';

const built = existsSync(join(ROOT, 'packages/daemon/dist/cli.js'));
const skip = !built && process.env.CI !== 'true';
if (skip)
  console.warn('test/deploy: packages/daemon/dist missing (run pnpm build), image layout check skipped');

const scratch = mkdtempSync(join(tmpdir(), 'va-image-'));
const app = join(scratch, 'app');
const spool = join(scratch, 'spool');
let daemon: ChildProcess | undefined;

afterAll(() => {
  if (daemon?.pid !== undefined && daemon.exitCode === null && daemon.signalCode === null)
    daemon.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(skip)('image layout (pnpm deploy --prod, as in the Dockerfile)', () => {
  beforeAll(() => {
    const r = spawnSync('pnpm', ['--filter', '@voice-assistant/daemon', 'deploy', '--prod', app], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (r.status !== 0) throw new Error(`pnpm deploy failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
    mkdirSync(join(spool, 'recordings'), { recursive: true });
  }, 200_000);

  it('holds the built daemon, the echo-test prompts and production dependencies only', () => {
    expect(existsSync(join(app, 'dist/cli.js'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    for (const rate of ['8000', '16000'])
      expect(readdirSync(join(app, 'prompts', rate)).some((f) => f.endsWith('.wav'))).toBe(true);
    const store = readdirSync(join(app, 'node_modules/.pnpm'));
    for (const dev of ['typescript@', 'vitest@', 'eslint@', 'prettier@'])
      expect(store.some((d) => d.startsWith(dev))).toBe(false);
    const opus = store.find((d) => d.startsWith('@discordjs+opus@'));
    expect(opus).toBeDefined();
    const found = spawnSync('find', [join(app, 'node_modules/.pnpm', opus as string), '-name', '*.node'], {
      encoding: 'utf8',
    });
    expect(found.stdout.trim()).not.toBe(''); // libopus binding built in the build stage
  });

  it('starts from the deployed tree, answers /healthz and /sip/status, and exits 0 on SIGTERM', async () => {
    const base = await freePortBlock(12);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      SIP_LISTEN_ADDRESS: '127.0.0.1',
      SIP_LISTEN_PORT: String(base),
      HTTP_LISTEN_ADDRESS: '127.0.0.1',
      HTTP_PORT: String(base + 1),
      RTP_PORT_MIN: String(base + 2),
      RTP_PORT_MAX: String(base + 11),
      SHUTDOWN_DRAIN_SEC: '2',
      LOG_LEVEL: 'info',
    };
    // The image: WORKDIR /var/spool/voice-assistant, ENTRYPOINT node /app/dist/cli.js.
    const child = spawn(process.execPath, [join(app, 'dist/cli.js')], {
      cwd: spool,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon = child;
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const url = `http://127.0.0.1:${base + 1}`;
    let healthy = false;
    for (let i = 0; i < 100 && !healthy && child.exitCode === null; i++) {
      healthy = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy, output.slice(-2000)).toBe(true);
    const status = (await (await fetch(`${url}/sip/status`)).json()) as {
      status: string;
      active_calls: number;
    };
    expect(status.status).toBe('listening'); // no SIP_SERVER: answers direct calls only
    expect(status.active_calls).toBe(0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
