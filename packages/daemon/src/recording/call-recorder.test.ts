import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseWav, type PcmAudio } from '../audio/wav.js';
import { CallRecorder, recordingPaths, safeName, type CallRecorderOptions } from './call-recorder.js';

const T0 = Date.parse('2026-11-25T10:20:30.456Z');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'call-recorder-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fill = (n: number, v: number): Int16Array => new Int16Array(n).fill(v);

/** A recorder on a fake clock (`clock.t`) with the flush timer captured in `clock.timers`. */
function setup(over: Partial<CallRecorderOptions> = {}) {
  const clock = { t: T0, intervals: [] as Array<() => void> };
  const rec = new CallRecorder({
    dir,
    callId: 'abc@10.0.0.1',
    account: 'sales',
    from: 'sip:alice@example.com',
    to: 'sip:100@example.com',
    sampleRate: 8000,
    startedAt: T0,
    direction: 'inbound',
    now: () => clock.t,
    timers: {
      setInterval: (fn) => clock.intervals.push(fn),
      clearInterval: () => (clock.intervals.length = 0),
    },
    ...over,
  });
  return { rec, clock };
}

function wav(path: string): PcmAudio {
  const p = parseWav(readFileSync(path));
  if (!p.ok) throw new Error(p.reason);
  return p.audio;
}
const channel = (a: PcmAudio, ch: number): Int16Array => a.samples.filter((_, i) => i % a.channels === ch);
const sidecar = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

describe('CallRecorder', () => {
  it('writes a stereo WAV (caller left, assistant right) and a sidecar with the call metadata', async () => {
    const { rec, clock } = setup();
    expect(relative(dir, rec.wavPath)).toBe('2026-11-25/2026-11-25T10-20-30.456Z_sales_abc_10.0.0.1.wav');
    for (let i = 0; i < 100; i++) {
      clock.t += 20;
      rec.caller(fill(160, 1000));
      rec.assistant(fill(160, -1000));
    }
    rec.transcript({ role: 'assistant', text: 'Hello, how can I help?', atMs: 100 });
    rec.transcript({ role: 'caller', text: 'I need a plumber.', atMs: T0 + 1500 }); // epoch ms accepted
    rec.event('dtmf', { digit: '5' });
    const res = await rec.close({ endReason: 'remote-bye', rtpStats: { lost: 0, jitterMs: 1.5 } });
    expect(res).toMatchObject({ wav: rec.wavPath, json: rec.jsonPath, errors: 0 });
    expect(res.durationSec).toBeCloseTo(2, 1);
    const a = wav(rec.wavPath);
    expect(a).toMatchObject({ sampleRate: 8000, channels: 2 });
    const left = channel(a, 0);
    const right = channel(a, 1);
    expect(left.length).toBeGreaterThanOrEqual(15_900);
    expect(left.slice(0, 15_800).every((v) => v === 1000)).toBe(true);
    expect(right.slice(200, 15_800).every((v) => v === -1000)).toBe(true);
    const j = sidecar(rec.jsonPath);
    expect(j).toMatchObject({
      call_id: 'abc@10.0.0.1',
      account: 'sales',
      direction: 'inbound',
      from: 'sip:alice@example.com',
      to: 'sip:100@example.com',
      started_at: '2026-11-25T10:20:30.456Z',
      ended_at: '2026-11-25T10:20:32.456Z',
      sample_rate: 8000,
      channels: ['caller', 'assistant'],
      wav: '2026-11-25T10-20-30.456Z_sales_abc_10.0.0.1.wav',
      end_reason: 'remote-bye',
      complete: true,
      rtp_stats: { lost: 0, jitterMs: 1.5 },
      transcript: [
        { role: 'assistant', text: 'Hello, how can I help?', at_ms: 100, at: '2026-11-25T10:20:30.556Z' },
        { role: 'caller', text: 'I need a plumber.', at_ms: 1500, at: '2026-11-25T10:20:31.956Z' },
      ],
      events: [{ name: 'dtmf', at_ms: 2000, data: { digit: '5' } }],
    });
    expect(j.duration_sec).toBeCloseTo(2, 1);
    expect(existsSync(`${rec.jsonPath}.tmp`)).toBe(false);
    // Closed: later input is ignored, close is idempotent.
    rec.caller(fill(160, 1));
    await expect(rec.close()).resolves.toEqual(res);
  });

  it('aligns both channels on the wall clock: caller at a 20 ms cadence, assistant in bursts, barge-in', async () => {
    const { rec, clock } = setup();
    const bursts = new Map<number, { frames: number; value: number }>([
      [1000, { frames: 25, value: 2000 }], // 500 ms of speech queued at once at 1.0 s
      [2500, { frames: 10, value: 3000 }],
      [3000, { frames: 50, value: 4000 }], // 1 s queued at 3.0 s, cleared at 3.2 s (barge-in)
    ]);
    for (let i = 0; i < 200; i++) {
      clock.t = T0 + i * 20;
      const b = bursts.get(i * 20);
      if (b) for (let k = 0; k < b.frames; k++) rec.assistant(fill(160, b.value));
      if (i * 20 === 3200) rec.clearAssistant();
      clock.t = T0 + (i + 1) * 20; // a caller frame is handed over when it has been played out
      rec.caller(fill(160, i + 1));
    }
    await rec.close();
    const a = wav(rec.wavPath);
    const left = channel(a, 0);
    const right = channel(a, 1);
    for (let i = 0; i < 200; i++) expect(left[i * 160 + 80], `caller frame ${i}`).toBe(i + 1);
    const span = (v: number): [number, number] => [right.indexOf(v), right.lastIndexOf(v) + 1];
    const near = (got: number, want: number): void => expect(Math.abs(got - want)).toBeLessThanOrEqual(160);
    const [s2, e2] = span(2000);
    near(s2, 8000);
    near(e2, 12_000);
    const [s3, e3] = span(3000);
    near(s3, 20_000);
    near(e3, 21_600);
    const [s4, e4] = span(4000);
    near(s4, 24_000);
    near(e4, 25_600); // cleared after 200 ms: the rest of the queued second never played
    expect(right.slice(e2, s3).every((v) => v === 0)).toBe(true);
    expect(right.slice(e4).every((v) => v === 0)).toBe(true);
    expect(rec.stats.clearedFrames).toBeGreaterThan(35);
  });

  it('keeps the timeline running with silence when no frames arrive (the flush timer)', async () => {
    const { rec, clock } = setup();
    expect(clock.intervals.length).toBe(1);
    clock.t = T0 + 3000;
    clock.intervals[0]?.();
    await rec.idle();
    const a = wav(rec.wavPath);
    expect(a.samples.length / 2 / 8000).toBeCloseTo(2.8, 1); // up to now minus the 200 ms hold-back
    clock.t += 500;
    rec.caller(fill(160, 5));
    await rec.close();
    expect(clock.intervals.length).toBe(0);
    const left = channel(wav(rec.wavPath), 0);
    expect(left.indexOf(5)).toBe(3.5 * 8000 - 160);
  });

  it('rewrites the sidecar at each transcript line, atomically (the transcript survives a crash)', async () => {
    const { rec, clock } = setup();
    await rec.idle();
    expect(sidecar(rec.jsonPath)).toMatchObject({ call_id: 'abc@10.0.0.1', complete: false, transcript: [] });
    clock.t += 1234;
    rec.transcript({ role: 'caller', text: 'hi' });
    await rec.idle();
    expect(sidecar(rec.jsonPath)).toMatchObject({
      ended_at: null,
      end_reason: null,
      complete: false,
      transcript: [{ role: 'caller', text: 'hi', at_ms: 1234 }],
    });
    for (let i = 0; i < 20; i++) rec.transcript({ role: 'assistant', text: `line ${i}` }); // coalesced
    await rec.idle();
    expect((sidecar(rec.jsonPath).transcript as unknown[]).length).toBe(21);
    expect(readdirSync(join(dir, '2026-11-25')).sort()).toEqual([
      '2026-11-25T10-20-30.456Z_sales_abc_10.0.0.1.json',
      '2026-11-25T10-20-30.456Z_sales_abc_10.0.0.1.wav',
    ]);
    await rec.close();
  });

  it('after SIGKILL mid-call the WAV parses with >= 2 s of both channels and the sidecar keeps the transcript', async () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    // The child records 3 s (with the flush the timer would do), reports READY and waits to be killed.
    const script = `
      import { CallRecorder } from ${JSON.stringify(join(here, 'index.js'))};
      let t = ${T0};
      const rec = new CallRecorder({ dir: process.argv[1], callId: 'kill-9', account: 'a', from: 'f', to: 't',
        sampleRate: 8000, startedAt: ${T0}, now: () => t, flushIntervalMs: 0 });
      for (let i = 0; i < 150; i++) {
        t += 20;
        rec.caller(new Int16Array(160).fill(1000));
        rec.assistant(new Int16Array(160).fill(-1000));
        if (i === 25 || i === 100) rec.transcript({ role: i === 25 ? 'assistant' : 'caller', text: 'line ' + i });
      }
      rec.flush();
      await rec.idle();
      for (let i = 0; i < 40; i++) { t += 20; rec.caller(new Int16Array(160).fill(1000)); } // not flushed
      console.log('READY');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('READY')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${out}`)));
    });
    const exited = new Promise((r) => child.on('exit', (_code, signal) => r(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const p = recordingPaths(dir, T0, 'a', 'kill-9');
    const a = wav(p.wav);
    expect(a.channels).toBe(2);
    const seconds = a.samples.length / 2 / 8000;
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThanOrEqual(3);
    const buf = readFileSync(p.wav);
    expect(buf.readUInt32LE(40)).toBe(buf.length - 44); // real sizes patched, not just streaming ones
    expect(
      channel(a, 0)
        .slice(0, 16_000)
        .every((v) => v === 1000),
    ).toBe(true);
    expect(
      channel(a, 1)
        .slice(200, 16_000)
        .every((v) => v === -1000),
    ).toBe(true);
    expect(sidecar(p.json)).toMatchObject({
      call_id: 'kill-9',
      complete: false,
      transcript: [
        { role: 'assistant', text: 'line 25', at_ms: 520 },
        { role: 'caller', text: 'line 100', at_ms: 2020 },
      ],
    });
  });

  it('keeps hostile call ids and account names inside the recording directory', async () => {
    const { rec } = setup({ callId: '../../../etc/passwd', account: '..\\..' });
    expect(relative(dir, rec.wavPath)).toBe('2026-11-25/2026-11-25T10-20-30.456Z_unknown_etc_passwd.wav');
    expect(safeName('')).toBe('unknown');
    expect(safeName('a/b\\c\0d e')).toBe('a_b_c_d_e');
    expect(safeName('x'.repeat(200)).length).toBe(80);
    await rec.close();
  });

  it('resamples frames at another rate', async () => {
    const { rec, clock } = setup();
    for (let i = 0; i < 50; i++) {
      clock.t += 20;
      rec.caller(fill(320, 700), 16000);
    }
    await rec.close();
    const left = channel(wav(rec.wavPath), 0);
    expect(left.length).toBe(8000);
    expect(left[7999]).toBe(700);
  });

  it('never throws when the directory cannot be written: errors are logged once at warn and counted', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const warns: string[] = [];
    const { rec, clock } = setup({
      dir: blocker,
      logger: { warn: (_o, m) => warns.push(String(m)), debug: () => undefined },
    });
    for (let i = 0; i < 100; i++) {
      clock.t += 20;
      rec.caller(fill(160, 1));
      rec.transcript({ role: 'caller', text: 'x' });
    }
    const res = await rec.close({ endReason: 'local-hangup' });
    expect(res.errors).toBeGreaterThan(0);
    expect(warns).toEqual(['call recording: write failed']);
  });
});
