/**
 * Recording retention: deletes recordings older than N days under the recording
 * directory, at start-up and then once a day.
 *
 * Only files the recorder writes are considered: `<dir>/<YYYY-MM-DD>/<ISO time>_*.wav`,
 * `.json` and a leftover `.json.tmp`; anything else an operator keeps there is left alone.
 * Age is the file's modification time (a recording is last modified when its call ends,
 * so a call in progress is never deleted). Date directories left empty are removed.
 */
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const DAY_MS = 86_400_000;
const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;
const RECORDING_FILE = /^\d{4}-\d{2}-\d{2}T[^/\\]*\.(wav|json|json\.tmp)$/;

/** What one sweep did. */
export interface SweepResult {
  /** Paths deleted. */
  readonly deleted: string[];
  /** Paths that could not be examined or deleted. */
  readonly failed: string[];
}

/**
 * Deletes recordings under `dir` last modified more than `retentionDays` days before
 * `now` (epoch ms, default `Date.now()`). `retentionDays` 0 (or less) keeps everything.
 * A missing `dir` is not an error. Never rejects.
 */
export async function sweepRecordings(
  dir: string,
  retentionDays: number,
  now: number = Date.now(),
): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], failed: [] };
  if (!(retentionDays > 0)) return result;
  const cutoff = now - retentionDays * DAY_MS;
  let days: string[];
  try {
    days = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && DAY_DIR.test(d.name))
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.failed.push(dir);
    return result;
  }
  for (const day of days.sort()) {
    const dayDir = join(dir, day);
    let names: string[];
    try {
      names = await readdir(dayDir);
    } catch {
      result.failed.push(dayDir);
      continue;
    }
    let left = names.length;
    for (const name of names) {
      if (!RECORDING_FILE.test(name)) continue;
      const file = join(dayDir, name);
      try {
        const st = await stat(file);
        if (!st.isFile() || st.mtimeMs >= cutoff) continue;
        await unlink(file);
        result.deleted.push(file);
        left--;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') result.failed.push(file);
      }
    }
    if (left === 0) await rmdir(dayDir).catch(() => undefined); // a new file meanwhile: keep it
  }
  return result;
}

/** Timer functions, injectable for tests. */
export interface RetentionTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RetentionOptions {
  /** Recording root (`recording.path`); a function is re-read before each sweep (config reload). */
  readonly dir: string | (() => string);
  /** Days to keep (`recording.retentionDays`); a function is re-read before each sweep (config reload). 0 keeps everything. */
  readonly retentionDays: number | (() => number);
  /** Time between sweeps, ms; default 86400000 (one day). */
  readonly intervalMs?: number;
  /** Wall clock, epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /** Default: the global `setTimeout`/`clearTimeout` (unref'd). */
  readonly timers?: RetentionTimers;
  /** Logs what each sweep deleted (info) and what failed (warn). */
  readonly logger?: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
  };
}

/** A running retention schedule. */
export interface RetentionHandle {
  /** Runs a sweep now (also what the schedule calls). Never rejects. */
  sweepNow(): Promise<SweepResult>;
  /** Cancels the schedule. */
  stop(): void;
}

/**
 * Sweeps at once (asynchronously) and then every `intervalMs`. A sweep with a retention
 * of 0 days does nothing, so the schedule may run whatever the configuration says.
 */
export function scheduleRetention(opts: RetentionOptions): RetentionHandle {
  const timers: RetentionTimers = opts.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
  const interval = opts.intervalMs ?? DAY_MS;
  const now = opts.now ?? Date.now;
  let handle: unknown;
  let stopped = false;
  let running: Promise<SweepResult> | undefined;

  const sweepNow = (): Promise<SweepResult> => {
    if (running) return running;
    const days = typeof opts.retentionDays === 'function' ? opts.retentionDays() : opts.retentionDays;
    const dir = typeof opts.dir === 'function' ? opts.dir() : opts.dir;
    running = sweepRecordings(dir, days, now())
      .then((r) => {
        if (r.deleted.length > 0)
          opts.logger?.info(
            { deleted: r.deleted.length, retentionDays: days, dir },
            'old recordings deleted',
          );
        if (r.failed.length > 0)
          opts.logger?.warn({ failed: r.failed.slice(0, 10) }, 'recording retention: could not delete');
        return r;
      })
      .catch(() => ({ deleted: [], failed: [dir] }))
      .finally(() => (running = undefined));
    return running;
  };
  const arm = (ms: number): void => {
    if (stopped) return;
    handle = timers.setTimeout(() => {
      void sweepNow().finally(() => arm(interval));
    }, ms);
  };
  arm(0);
  return {
    sweepNow,
    stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
    },
  };
}
