import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAEMON_CLI, ROOT, runDir } from '../helpers/paths.js';

/** The `voice-assistant` binary's command line, run as a user would. */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [DAEMON_CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('voice-assistant command line', () => {
  const dir = runDir('cli');

  it('--version and --help', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/daemon/package.json'), 'utf8')) as {
      version: string;
    };
    expect(cli(['--version'])).toMatchObject({ code: 0, out: `voice-assistant ${version}\n` });
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--check-config/);
    expect(cli(['--bogus']).code).toBe(2);
  });

  it('--check-config accepts the embedded default and every example in config/', () => {
    expect(cli(['--check-config'])).toMatchObject({ code: 0 });
    for (const f of ['default.yaml', '3cx.yaml', 'freepbx.yaml', 'asterisk.yaml', 'multi-tenant.yaml']) {
      const r = cli(['--check-config', '--config', join(ROOT, 'config', f)], {
        SIP_PASSWORD: 'x',
        SIP_SERVER: 'pbx.example.com',
        SIP_USERNAME: '100',
      });
      expect(r.code, `${f}: ${r.err}`).toBe(0);
      expect(r.out).toMatch(/^configuration OK/);
    }
  });

  it('--check-config prints every problem (field, value, expected) and exits 1, without secrets', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'sip:\n  listen_port: 99999\n  accounts:\n    - server: pbx.example.com\n      password: hunter2\n      transport: carrier-pigeon\n',
    );
    const r = cli(['--check-config', '--config', file], { RTP_PORT_MIN: 'ten', LOG_LEVEL: 'loud' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sip\.listen_port: got 99999, expected an integer 0\.\.65535/);
    expect(r.err).toMatch(
      /sip\.accounts\[0\]\.transport: got "carrier-pigeon", expected one of udp, tcp, tls/,
    );
    expect(r.err).toMatch(/sip\.accounts\[0\]\.username: got \(missing\)/);
    expect(r.err).toMatch(/rtp\.port_min: got "ten"/);
    expect(r.err).toMatch(/log\.level: got "loud"/);
    expect(r.err).not.toMatch(/hunter2/);
    expect(cli(['--check-config', '--config', join(dir, 'missing.yaml')]).code).toBe(1);
  });
});
