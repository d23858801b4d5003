/**
 * SIPp against the daemon as a UAS: INVITE / 200 / ACK / BYE (sipp's built-in `-sn uac`)
 * at increasing call rates, ~5 s each, with the daemon's CPU use; the same runs against
 * sipp's own built-in UAS are the reference measured in the same run. Target (issue 3):
 * 2500 calls/s on one core with zero failed calls.
 *
 * Run: `pnpm bench sipp` (builds nothing: run `npx tsc -b packages/daemon` first).
 * Options: BENCH_RATES=500,1000 (calls/s), BENCH_SEC=5 (seconds per rate).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from '../test/helpers/daemon.js';
import { DAEMON_CLI, runDir } from '../test/helpers/paths.js';
import { freePortBlock, udpFree } from '../test/helpers/ports.js';
import { sleep, startProcess, stopAll, until } from '../test/helpers/processes.js';
import { runSipp } from '../test/helpers/sipp.js';

const RATES = (process.env.BENCH_RATES ?? '500,1000,2000,2500,3000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SEC ?? 5);
const TARGET = 2500;
const CLK_TCK = 100; // Linux USER_HZ

interface Row {
  readonly rate: number;
  readonly calls: number;
  readonly ok: number;
  readonly failed: number;
  /** Calls sipp started but that never completed before its -timeout (no final answer). */
  readonly hung: number;
  readonly achieved: number;
  /** CPU use of the UAS process: fraction of one core over the run. */
  readonly cpu?: number;
  /** CPU milliseconds the UAS spent per completed call (independent of machine contention). */
  readonly cpuMsPerCall?: number;
}

/** utime + stime of `pid` in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** ElapsedTime(C) (seconds) and call counts from the last line of sipp's -stf file. */
function sippStats(file: string): { elapsed: number; ok: number; failed: number } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]?.split(';') ?? [];
  const last = lines[lines.length - 1]?.split(';') ?? [];
  const col = (name: string): string => last[head.indexOf(name)] ?? '';
  const [h, m, s] = col('ElapsedTime(C)').split(':').map(Number);
  return {
    elapsed: (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0),
    ok: Number(col('SuccessfulCall(C)')),
    failed: Number(col('FailedCall(C)')),
  };
}

async function uacRun(
  dir: string,
  name: string,
  target: number,
  localPort: number,
  rate: number,
  cpuPid?: number,
): Promise<Row> {
  const calls = rate * SECONDS;
  const cpu0 = cpuPid === undefined ? 0 : cpuSeconds(cpuPid);
  const t0 = Date.now();
  const r = await runSipp(
    [
      `127.0.0.1:${target}`,
      '-sn',
      'uac',
      '-s',
      'echo',
      '-r',
      String(rate),
      '-m',
      String(calls),
      '-l',
      String(Math.max(200, rate)),
      '-i',
      '127.0.0.1',
      '-p',
      String(localPort),
      '-mp',
      String(localPort + 2),
      '-buff_size',
      '4194304',
      '-max_socket',
      '100',
    ],
    { dir, name, timeoutSec: SECONDS * 4 + 10 },
  );
  const wall = (Date.now() - t0) / 1000;
  const cpuUsed = cpuPid === undefined ? undefined : cpuSeconds(cpuPid) - cpu0;
  const cpu = cpuUsed === undefined ? undefined : cpuUsed / wall;
  const s = sippStats(join(dir, `${name}-stat.csv`));
  // sipp's final screen: "<rate>(<len>)/1.000s <port> <Total-time> s <Total-calls> <remote>(UDP)",
  // Total-time with 10 ms resolution (the -stf ElapsedTime has whole seconds).
  const screens = [...r.output.matchAll(/\s(\d+\.\d+) s\s+\d+\s+\S+\(UDP\)/g)];
  const total = Number(screens[screens.length - 1]?.[1] ?? 0);
  const elapsed = total > 0 ? total : s.elapsed > 0 ? s.elapsed : wall;
  const ok = r.successful ?? s.ok;
  const failed = r.failed ?? s.failed;
  const cpuMsPerCall = cpuUsed === undefined || ok === 0 ? undefined : (cpuUsed * 1000) / ok;
  return {
    rate,
    calls,
    ok,
    failed,
    hung: Math.max(0, calls - ok - failed),
    achieved: ok / elapsed,
    cpu,
    cpuMsPerCall,
  };
}

async function main(): Promise<void> {
  if (!existsSync(DAEMON_CLI)) throw new Error(`${DAEMON_CLI} missing: run npx tsc -b packages/daemon`);
  const dir = runDir('bench-sipp');
  const loadBefore = loadavg()[0]!.toFixed(2);
  // SIP/HTTP/sipp ports at base..base+39, the daemon's RTP ports above them.
  const base = await freePortBlock(2100);
  const rtpMin = base + 100;
  const daemon = await startDaemon({
    dir,
    sipPort: base,
    httpPort: base + 1,
    rtpPortMin: rtpMin,
    rtpPortMax: base + 2099,
    env: { LOG_LEVEL: 'warn', RTP_MEDIA_TIMEOUT_SEC: '0', SIP_MAX_CONCURRENT_CALLS: '100000' },
  });
  const ours: Row[] = [];
  for (const [i, rate] of RATES.entries()) {
    ours.push(await uacRun(dir, `uac-daemon-${rate}`, base, base + 10 + 4 * i, rate, daemon.proc.pid));
    await until(
      async () =>
        (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0
          ? true
          : undefined,
      20_000,
      'daemon idle',
      200,
    ).catch(() => undefined);
  }
  await daemon.stop();

  const refs: Row[] = [];
  for (const [i, rate] of RATES.entries()) {
    const uasPort = base + 30;
    const uas = startProcess(
      'sipp-uas',
      'sipp',
      [
        '-sn',
        'uas',
        '-i',
        '127.0.0.1',
        '-p',
        String(uasPort),
        '-mp',
        String(base + 80),
        '-buff_size',
        '4194304',
        '-nostdin',
      ],
      { cwd: dir, logFile: join(dir, `uas-${rate}.log`) },
    );
    await until(async () => !(await udpFree(uasPort)), 5000, 'sipp uas listening');
    refs.push(await uacRun(dir, `uac-sippuas-${rate}`, uasPort, base + 40 + 4 * i, rate, uas.pid));
    await uas.stop();
    await sleep(200);
  }

  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  const ms = (r: Row): string => (r.cpuMsPerCall === undefined ? '-' : r.cpuMsPerCall.toFixed(2));
  console.log(
    `\nsipp uac INVITE/200/ACK/BYE, ${SECONDS} s per rate, loopback; target ${TARGET} calls/s, 0 failed` +
      ` (load average ${loadBefore} before, ${loadavg()[0]!.toFixed(2)} after, ${cpus().length} cores)`,
  );
  console.log(
    `${pad('rate', 5)} | ${pad('daemon ok', 9)} ${pad('fail', 4)} ${pad('hung', 5)} ${pad('calls/s', 7)} ${pad('cpu', 4)} ${pad('ms/call', 7)}` +
      ` | ${pad('sipp-uas ok', 11)} ${pad('fail', 4)} ${pad('hung', 4)} ${pad('calls/s', 7)} ${pad('ms/call', 7)}` +
      ` | ${pad('ours/uas', 8)} ${pad('ours/target', 11)}`,
  );
  for (const [i, o] of ours.entries()) {
    const r = refs[i]!;
    console.log(
      `${pad(o.rate, 5)} | ${pad(o.ok, 9)} ${pad(o.failed, 4)} ${pad(o.hung, 5)} ${pad(o.achieved.toFixed(0), 7)} ${pad(`${((o.cpu ?? 0) * 100).toFixed(0)}%`, 4)} ${pad(ms(o), 7)}` +
        ` | ${pad(r.ok, 11)} ${pad(r.failed, 4)} ${pad(r.hung, 4)} ${pad(r.achieved.toFixed(0), 7)} ${pad(ms(r), 7)}` +
        ` | ${pad((o.achieved / r.achieved).toFixed(2), 8)} ${pad((o.achieved / TARGET).toFixed(2), 11)}`,
    );
  }
  const clean = ours.filter((o) => o.failed === 0 && o.hung === 0);
  const best = clean.reduce((m, o) => Math.max(m, o.achieved), 0);
  const perCall = ours.map((o) => o.cpuMsPerCall).filter((v): v is number => v !== undefined);
  const minMs = perCall.length > 0 ? Math.min(...perCall) : 0;
  console.log(
    'fail: failed calls; hung: calls unanswered when sipp gave up (-timeout); calls/s: completed calls / sipp Total-time;',
  );
  console.log('cpu: share of one core over the run; ms/call: CPU milliseconds of the UAS per completed call');
  console.log(
    `best zero-failure rate: ${best.toFixed(0)} calls/s = ${(best / TARGET).toFixed(2)}x the ${TARGET} calls/s target`,
  );
  if (minMs > 0)
    console.log(
      `CPU bound on one core: ${(1000 / minMs).toFixed(0)} calls/s at ${minMs.toFixed(2)} ms/call = ${(1000 / minMs / TARGET).toFixed(2)}x the target`,
    );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => void stopAll());
