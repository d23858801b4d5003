import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A process started by a test; stopped by its PID in `stopAll()` / `stop()`. */
export interface Managed {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** Resolves with the first output line matching `re` (checks earlier output too). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if signalled). */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const running = new Set<Managed>();

export interface StartOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also write the output here (kept for post-mortems in CI). */
  readonly logFile?: string;
}

/** Starts `cmd args` and tracks it so that `stopAll()` ends it by PID. */
export function startProcess(name: string, cmd: string, args: string[], opts: StartOptions = {}): Managed {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: failed to start ${cmd}`);
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  let log: NodeJS.WritableStream | undefined;
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    log = createWriteStream(opts.logFile);
  }
  const onData = (d: Buffer): void => {
    const text = d.toString();
    out += text;
    log?.write(text);
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  const m: Managed = {
    name,
    pid,
    child,
    exited,
    output: () => out,
    waitFor(re, timeoutMs = 10_000) {
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.resolve === done);
          if (i >= 0) waiters.splice(i, 1);
          reject(
            new Error(
              `${name}: no line matching ${re} within ${timeoutMs} ms; output tail:\n${out.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
        const done = (l: string): void => {
          clearTimeout(timer);
          resolve(l);
        };
        waiters.push({ re, resolve: done });
      });
    },
    async stop(graceMs = 5000) {
      running.delete(m);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const t = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, graceMs);
        await exited;
        clearTimeout(t);
      }
      log?.end();
      return child.exitCode;
    },
  };
  running.add(m);
  return m;
}

/** Stops every process still tracked (call from afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop()));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  stepMs = 100,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await sleep(stepMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The JSON lines of a process's output (pino logs, harness events), parsed; other lines skipped. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
