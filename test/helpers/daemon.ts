import { join } from 'node:path';
import { DAEMON_CLI } from './paths.js';
import { jsonLines, startProcess, until, type Managed } from './processes.js';

export interface DaemonHandle {
  readonly proc: Managed;
  readonly httpPort: number;
  readonly sipPort: number;
  /** GET a JSON endpoint of the daemon's HTTP API. */
  get<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  /** GET a text endpoint (e.g. /metrics). */
  text(path: string): Promise<string>;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves with the first log line whose `msg` matches. */
  waitLog(re: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

/** Starts the built daemon (`packages/daemon/dist/cli.js`) with `env` on loopback. */
export async function startDaemon(opts: {
  dir: string;
  sipPort: number;
  httpPort: number;
  rtpPortMin: number;
  rtpPortMax: number;
  env?: Record<string, string>;
  args?: string[];
  name?: string;
}): Promise<DaemonHandle> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SIP_LISTEN_ADDRESS: '127.0.0.1',
    SIP_LISTEN_PORT: String(opts.sipPort),
    HTTP_LISTEN_ADDRESS: '127.0.0.1',
    HTTP_PORT: String(opts.httpPort),
    RTP_PORT_MIN: String(opts.rtpPortMin),
    RTP_PORT_MAX: String(opts.rtpPortMax),
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  const name = opts.name ?? 'daemon';
  const proc = startProcess(name, process.execPath, [DAEMON_CLI, ...(opts.args ?? [])], {
    env,
    logFile: join(opts.dir, `${name}.log`),
  });
  const base = `http://127.0.0.1:${opts.httpPort}`;
  const logs = (): Array<Record<string, unknown>> => jsonLines(proc.output());
  const handle: DaemonHandle = {
    proc,
    httpPort: opts.httpPort,
    sipPort: opts.sipPort,
    async get<T>(path: string) {
      const r = await fetch(base + path);
      return { status: r.status, body: (await r.json()) as T };
    },
    async text(path: string) {
      return (await fetch(base + path)).text();
    },
    logs,
    waitLog: (re, timeoutMs = 10_000) =>
      until(() => logs().find((l) => re.test(String(l.msg))), timeoutMs, `daemon log ${re}`, 50),
    stop: () => proc.stop(10_000),
  };
  await until(
    async () => {
      if (proc.child.exitCode !== null)
        throw new Error(`daemon exited early:\n${proc.output().slice(-3000)}`);
      try {
        return (await fetch(`${base}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    15_000,
    'daemon /healthz',
  );
  return handle;
}
