import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';
import { startProcess } from './processes.js';

export interface SippResult {
  readonly exitCode: number | null;
  readonly output: string;
  /** Successful/failed call counts from sipp's final statistics, when printed. */
  readonly successful?: number;
  readonly failed?: number;
}

/**
 * Runs sipp to completion (bounded by `-timeout`) and returns its exit code: 0 when every
 * call succeeded (sipp's own convention), 1 when at least one failed.
 */
export async function runSipp(
  args: string[],
  opts: { dir: string; name: string; timeoutSec: number },
): Promise<SippResult> {
  const statFile = join(opts.dir, `${opts.name}-stat.csv`);
  const proc = startProcess(
    `sipp-${opts.name}`,
    'sipp',
    [
      ...args,
      '-timeout',
      `${opts.timeoutSec}s`,
      '-timeout_error',
      '-nostdin',
      '-trace_err',
      '-error_file',
      join(opts.dir, `${opts.name}-errors.log`),
      '-trace_screen',
      '-screen_file',
      join(opts.dir, `${opts.name}-screen.log`),
      '-stf',
      statFile,
      '-trace_stat',
      '-fd',
      '1',
    ],
    { cwd: opts.dir, logFile: join(opts.dir, `${opts.name}.log`) },
  );
  const exitCode = await proc.exited;
  await proc.stop();
  const output = proc.output();
  const stats = lastStats(statFile);
  return { exitCode, output, ...stats };
}

function lastStats(file: string): { successful?: number; failed?: number } {
  try {
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n');
    const head = lines[0]?.split(';') ?? [];
    const last = lines[lines.length - 1]?.split(';') ?? [];
    const col = (name: string): number | undefined => {
      const i = head.indexOf(name);
      return i >= 0 ? Number(last[i]) : undefined;
    };
    return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
  } catch {
    return {};
  }
}

/**
 * sipp arguments for one call of `test/sipp/<name>.xml` against `remote` (`host:port`),
 * from 127.0.0.1:`sipPort` with RTP on `mediaPort`, service `echo`; `extra` appended.
 */
export function scenarioArgs(
  remote: string,
  name: string,
  sipPort: number,
  mediaPort: number,
  extra: string[] = [],
): string[] {
  return [
    remote,
    '-sf',
    join(ROOT, `test/sipp/${name}.xml`),
    '-s',
    'echo',
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(sipPort),
    '-mp',
    String(mediaPort),
    ...extra,
  ];
}
