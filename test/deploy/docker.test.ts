/**
 * Dockerfile and .dockerignore, checked statically (no Docker engine in CI): two stages on
 * node:20-bookworm-slim, the pinned pnpm, a frozen install and a production deploy in the
 * build stage; a non-root runtime with curl, the daemon's default ports exposed, a
 * /healthz HEALTHCHECK, SIGTERM, and no secret baked in.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../packages/daemon/src/config/load.js';
import type { DaemonConfig } from '../../packages/daemon/src/config/schema.js';
import { readRepoFile } from './helpers.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string;
  readonly body: Instruction[];
}

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage. */
function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full !== '') logical.push(full.replace(/\s+/g, ' '));
  }
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`unparsable Dockerfile line: ${l}`);
    const ins = { op: (m[1] as string).toUpperCase(), args: m[2] as string };
    if (ins.op === 'FROM') {
      const f = /^(\S+)\s+AS\s+(\S+)$/i.exec(ins.args);
      if (!f) throw new Error(`every stage is named: ${l}`);
      stages.push({ from: f[1] as string, name: f[2] as string, body: [] });
    } else if (stages.length === 0) args.push(ins);
    else (stages[stages.length - 1] as Stage).body.push(ins);
  }
  return { args, stages };
}

const { args, stages } = parseDockerfile(readRepoFile('Dockerfile'));
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
const ops = (s: Stage, op: string): string[] => s.body.filter((i) => i.op === op).map((i) => i.args);
const runText = (s: Stage): string => ops(s, 'RUN').join('\n');
const DEFAULTS = resolveConfig(undefined, {}).config as DaemonConfig;

describe('Dockerfile', () => {
  it('builds in a build stage and runs from a runtime stage, both node:20-bookworm-slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(args).toEqual([{ op: 'ARG', args: 'NODE_IMAGE=node:20-bookworm-slim' }]);
    for (const s of stages) expect(s.from).toBe('${NODE_IMAGE}');
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=20');
  });

  it('installs the C++ toolchain for @discordjs/opus and the pnpm that scripts/setup.sh installs', () => {
    const build = stage('build');
    expect(runText(build)).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    // The pnpm that wrote the lockfile: setup.sh pins it, the image must use the same.
    const setupPin = /npm install -g "pnpm@([^"]+)"/.exec(readRepoFile('scripts/setup.sh'))?.[1];
    expect(setupPin).toBeDefined();
    expect(ops(build, 'ARG')).toEqual([`PNPM_VERSION=${setupPin}`]);
    expect(runText(build)).toContain('npm install -g "pnpm@${PNPM_VERSION}"');
    expect(ops(build, 'ENV').join(' ')).toContain('npm_config_nodedir=/usr/local');
  });

  it('installs from the frozen lockfile, builds, and deploys the daemon with production deps only', () => {
    const run = runText(stage('build'));
    const order = [
      'pnpm fetch',
      'pnpm install --frozen-lockfile --offline',
      'pnpm build',
      'deploy --prod /out',
    ];
    const at = order.map((s) => run.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const name = (JSON.parse(readRepoFile('packages/daemon/package.json')) as { name: string }).name;
    expect(run).toContain(`pnpm --filter ${name} deploy --prod /out`);
    // `pnpm deploy` copies what the package's "files" lists: dist and the echo-test prompts.
    const files = (JSON.parse(readRepoFile('packages/daemon/package.json')) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining(['dist', 'prompts']));
  });

  it('runs as a non-root user, with only the deployed daemon copied in', () => {
    const rt = stage('runtime');
    const users = ops(rt, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0] as string).split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // runAsUser in kubernetes/deployment.yaml relies on the numeric uid.
    expect(users[0]).toBe('10001:10001');
    expect(ops(rt, 'COPY')).toEqual(['--from=build /out /app']);
    expect(ops(rt, 'ENTRYPOINT')).toEqual(['["node", "/app/dist/cli.js"]']);
    expect(ops(rt, 'WORKDIR')).toEqual(['/var/spool/voice-assistant']);
    const run = runText(rt);
    expect(run).toContain('mkdir -p /var/spool/voice-assistant/recordings');
    expect(run).toMatch(/apt-get install -y --no-install-recommends curl\b/); // the guide's kubectl exec curl
    expect(run).toContain('setcap cap_net_bind_service=+ep');
  });

  it("exposes the daemon's default ports and health-checks /healthz, stopping with SIGTERM", () => {
    const rt = stage('runtime');
    const exposed = ops(rt, 'EXPOSE').join(' ').split(' ').sort();
    const expected = [
      `${DEFAULTS.sip.listenPort}/udp`,
      `${DEFAULTS.sip.listenPort}/tcp`,
      `${DEFAULTS.http.port}/tcp`,
      `${DEFAULTS.rtp.portMin}-${DEFAULTS.rtp.portMax}/udp`,
    ].sort();
    expect(exposed).toEqual(expected);
    const hc = ops(rt, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]).toContain(`curl -fsS "http://127.0.0.1:\${HTTP_PORT:-${DEFAULTS.http.port}}/healthz"`);
    expect(ops(rt, 'STOPSIGNAL')).toEqual(['SIGTERM']);
  });

  it('bakes in no secret', () => {
    const all = [...args, ...stages.flatMap((s) => s.body)];
    const envLike = all.filter((i) => i.op === 'ENV' || i.op === 'ARG').map((i) => i.args);
    for (const e of envLike) expect(e).not.toMatch(/PASSWORD|API_KEY|TOKEN|SECRET|AUTH/i);
    expect(readRepoFile('Dockerfile')).not.toMatch(/sk-[A-Za-z0-9]{8,}/);
  });
});

describe('.dockerignore', () => {
  const ignored = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps build outputs, dependencies, git and env files out of the context', () => {
    for (const p of ['**/node_modules', '**/dist', '.git', '.env', '.env.*', 'test/.run', 'recordings'])
      expect(ignored).toContain(p);
  });

  it('keeps what the build needs', () => {
    for (const p of [
      'packages',
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'tsconfig.base.json',
    ])
      expect(ignored.some((i) => i === p || i === `${p}/` || i === `/${p}`)).toBe(false);
  });
});

type DockerfileValidate = (
  text: string,
) => { severity?: number; message: string; range: { start: { line: number } } }[];
/** dockerfile-utils (the Docker language server's validator), when installed as a devDependency. */
async function loadDockerfileValidator(): Promise<DockerfileValidate | undefined> {
  const spec = 'dockerfile-utils';
  try {
    const mod = (await import(/* @vite-ignore */ spec)) as {
      validate?: DockerfileValidate;
      default?: { validate?: DockerfileValidate };
    };
    return mod.validate ?? mod.default?.validate;
  } catch {
    return undefined;
  }
}

describe('Dockerfile against dockerfile-utils', async () => {
  const validate = await loadDockerfileValidator();
  if (!validate)
    console.warn(
      'test/deploy: dockerfile-utils not installed, Dockerfile lint skipped (pnpm add -Dw dockerfile-utils@^0.16.3)',
    );

  it.skipIf(!validate)('has no diagnostic at all', () => {
    const found = (validate as DockerfileValidate)(readRepoFile('Dockerfile')).map(
      (d) => `line ${d.range.start.line + 1}: ${d.message}`,
    );
    expect(found).toEqual([]);
  });

  it.skipIf(!validate)('flags a broken Dockerfile (the validator is live)', () => {
    const broken = readRepoFile('Dockerfile').replace('5060/udp', '5060/udpx');
    expect((validate as DockerfileValidate)(broken).map((d) => d.message)).toContain('Invalid proto: udpx');
  });
});
