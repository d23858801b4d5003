import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseWav, type PcmAudio } from '../../packages/daemon/src/audio/wav.js';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { Baresip } from '../helpers/baresip.js';
import { startDaemon } from '../helpers/daemon.js';
import { PROMPTS, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const SPEECH =
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. ' +
  'Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck.';
const RATE = 8000;

/** Every file under `dir` (recursively), sorted. */
function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out = out.concat(filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

/** The stereo recording split into its channels. */
function stereo(path: string): { audio: PcmAudio; left: Int16Array; right: Int16Array; seconds: number } {
  const r = parseWav(readFileSync(path));
  if (!r.ok) throw new Error(`${path}: ${r.reason}`);
  const a = r.audio;
  const n = Math.floor(a.samples.length / a.channels);
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = a.samples[i * a.channels] ?? 0;
    right[i] = a.samples[i * a.channels + 1] ?? 0;
  }
  return { audio: a, left, right, seconds: n / a.sampleRate };
}

/**
 * Where each 20 ms frame of `ref` (cut at multiples of 160 samples, as the daemon cuts its
 * prompts) occurs verbatim in `hay` (the assistant channel holds the PCM the daemon sent,
 * bit for bit): the sample position, or -1. Frames starting with silence are skipped (NaN).
 */
function framePositions(ref: Int16Array, hay: Int16Array, frames: number): number[] {
  const key = (a: Int16Array, i: number): string => `${a[i]},${a[i + 1]},${a[i + 2]},${a[i + 3]}`;
  const index = new Map<string, number[]>();
  for (let p = 0; p + 4 <= hay.length; p++) {
    if (hay[p] === 0 && hay[p + 1] === 0) continue;
    const k = key(hay, p);
    const list = index.get(k);
    if (list) list.push(p);
    else index.set(k, [p]);
  }
  const out: number[] = [];
  for (let f = 0; f < frames; f++) {
    const o = f * 160;
    if (ref[o] === 0 && ref[o + 1] === 0) {
      out.push(NaN);
      continue;
    }
    const hit = (index.get(key(ref, o)) ?? []).find((p) => {
      for (let i = 0; i < 160; i++) if (hay[p + i] !== ref[o + i]) return false;
      return true;
    });
    out.push(hit ?? -1);
  }
  return out;
}

/**
 * Asserts the first `frames` greeting frames are in the assistant channel, in order, not
 * overlapping, starting at the beginning of the call. (A loaded machine stalls the
 * daemon's event loop: the recording then shows the pauses the caller really got, so
 * only the order is checked, not the spacing.)
 */
function expectGreeting(right: Int16Array, frames: number): void {
  const g = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
  const pos = framePositions(g, right, frames).filter((p) => !Number.isNaN(p));
  const found = pos.filter((p) => p >= 0);
  expect(found.length, `greeting frames found ${found.length} of ${pos.length}`).toBeGreaterThan(
    pos.length * 0.95,
  );
  for (let i = 1; i < found.length; i++)
    expect((found[i] as number) - (found[i - 1] as number)).toBeGreaterThanOrEqual(160);
  expect(found[0] as number, 'greeting start (samples)').toBeLessThan(RATE * 0.3);
}

/** One daemon with recording on, one baresip phone calling it directly (PCMU, echo test). */
async function setup(name: string, base: number, speechSec: number, env: Record<string, string> = {}) {
  const dir = runDir(name);
  const rec = join(dir, 'rec');
  const daemon = await startDaemon({
    dir,
    sipPort: base,
    httpPort: base + 1,
    rtpPortMin: base + 40,
    rtpPortMax: base + 59,
    env: { SIP_RECORD_CALLS: 'true', SIP_RECORDING_PATH: rec, ...env },
  });
  const source = speechWav(dir, 'caller', SPEECH, RATE, speechSec);
  const phone = await Baresip.start({
    dir: join(dir, 'baresip'),
    sipPort: base + 4,
    ctrlPort: base + 7,
    rtpPort: base + 60,
    sourceWav: source,
    accounts: [`<sip:alice@127.0.0.1>;regint=0;audio_codecs=PCMU/8000/1`],
  });
  return { dir, rec, base, daemon, phone, source };
}

describe('call recording with a real baresip call (PCMU, echo test)', () => {
  /** Each test runs its own daemon and phone (three at once overload a 2-core CI box). */
  const peers: Array<Awaited<ReturnType<typeof setup>>> = [];
  const start = async (name: string, speechSec: number, env?: Record<string, string>) => {
    const p = await setup(name, await freePortBlock(80), speechSec, env);
    peers.push(p);
    return p;
  };
  afterEach(async () => {
    for (const p of peers.splice(0)) {
      await p.phone.stop();
      await p.daemon.stop();
    }
  });
  afterAll(stopAll);

  it('writes one stereo WAV (caller left, assistant right) and a JSON sidecar per call', async () => {
    const { phone, daemon, base, rec } = await start('recording', 16);
    await phone.command('dial', `sip:echo@127.0.0.1:${base}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    await phone.waitEvent('CALL_CLOSED', 40_000); // baresip hangs up when its 16 s source ends
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'call end',
    );
    // close() finishes asynchronously just after the call ends: wait for the final sidecar.
    const json = await until(
      () => {
        const f = filesUnder(rec).filter((p) => p.endsWith('.json'));
        return f.length === 1 && JSON.parse(readFileSync(f[0] as string, 'utf8')).complete === true
          ? (f[0] as string)
          : undefined;
      },
      5000,
      'final sidecar',
    );
    const files = filesUnder(rec);
    expect(files.map((f) => f.slice(rec.length))).toEqual([
      expect.stringMatching(/^\/\d{4}-\d\d-\d\d\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z_default_.+\.json$/),
      expect.stringMatching(/^\/\d{4}-\d\d-\d\d\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z_default_.+\.wav$/),
    ]);
    const wavPath = json.replace(/\.json$/, '.wav');
    const { audio, left, right, seconds } = stereo(wavPath);
    expect(audio).toMatchObject({ sampleRate: 8000, channels: 2 });
    expect(seconds).toBeGreaterThan(14);
    expect(seconds).toBeLessThan(19);

    // Right channel: the greeting (first 8 s), from the start of the call.
    expectGreeting(right, 400);
    // Left channel: what baresip sent (its encoder input), as the daemon played it out:
    // delayed by the adaptive jitter buffer (which also stretches time under load), so
    // check short windows, most of which must match within 1.5 s.
    const sent = readWav(phone.recordings().enc as string).samples;
    const callerWindows = [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9].map((sec) => {
      const at = RATE * sec;
      const m = bestMatch(sent.subarray(at, at + RATE * 0.4), left, at - RATE * 0.2, at + RATE * 1.5);
      return { sec, corr: Number(m.corr.toFixed(3)), delayMs: ((m.lag - at) * 1000) / RATE };
    });
    expect(rms(sent.subarray(RATE * 2, RATE * 9))).toBeGreaterThan(300);
    const heard = callerWindows.filter((w) => w.corr > 0.9);
    expect(heard.length, `caller windows ${JSON.stringify(callerWindows)}`).toBeGreaterThanOrEqual(9);
    // After the greeting (~11 s) the echo test sends the caller's voice back: the right
    // channel repeats the left one a little later (both channels on one timeline). The
    // echo test drops frames to keep its delay short, so check short windows, most of
    // which must match within a frame or so of a plausible echo delay (0..300 ms).
    const windows = [12, 12.5, 13, 13.5, 14, 14.5].map((sec) => {
      const at = RATE * sec;
      const e = bestMatch(left.subarray(at, at + RATE * 0.25), right, at - RATE * 0.1, at + RATE * 0.4);
      return { sec, corr: Number(e.corr.toFixed(3)), delayMs: ((e.lag - at) * 1000) / RATE };
    });
    const echoed = windows.filter((w) => w.corr > 0.9 && w.delayMs >= -25 && w.delayMs <= 300);
    expect(echoed.length, `echo windows ${JSON.stringify(windows)}`).toBeGreaterThanOrEqual(4);

    const meta = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      account: 'default',
      from: expect.stringContaining('alice@'),
      to: expect.stringContaining('echo@'),
      sample_rate: 8000,
      channels: ['caller', 'assistant'],
      end_reason: 'remote-bye',
      complete: true,
      wav: wavPath.split('/').pop(),
      transcript: [],
    });
    expect(String(meta.call_id).length).toBeGreaterThan(0);
    const started = Date.parse(String(meta.started_at));
    const ended = Date.parse(String(meta.ended_at));
    expect((ended - started) / 1000).toBeCloseTo(seconds, 0);
    expect(meta.duration_sec as number).toBeCloseTo(seconds, 1);
    expect(Array.isArray(meta.events)).toBe(true);
  });

  it('after kill -9 mid-call the WAV parses up to about a second before the kill, with the sidecar', async () => {
    const { phone, daemon, base, rec } = await start('recording-kill9', 30);
    await phone.command('dial', `sip:echo@127.0.0.1:${base}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    const answered = Date.now();
    await new Promise((r) => setTimeout(r, 8000));
    const killedAfter = (Date.now() - answered) / 1000;
    process.kill(daemon.proc.pid, 'SIGKILL');
    await daemon.proc.exited;

    const wavs = filesUnder(rec).filter((p) => p.endsWith('.wav'));
    expect(wavs).toHaveLength(1);
    const { audio, right, seconds } = stereo(wavs[0] as string);
    expect(audio.channels).toBe(2);
    // Flushed once a second (200 ms hold-back): at most ~1.2 s is lost, plus answer latency.
    expect(seconds, `recorded ${seconds} s of ${killedAfter} s`).toBeGreaterThan(killedAfter - 2);
    expect(seconds).toBeLessThanOrEqual(killedAfter + 0.5);
    expectGreeting(right, 200);
    const meta = JSON.parse(readFileSync((wavs[0] as string).replace(/\.wav$/, '.json'), 'utf8'));
    expect(meta).toMatchObject({ account: 'default', complete: false, ended_at: null, sample_rate: 8000 });
  });

  it('on SIGTERM mid-call the recording is finalised before exit (complete sidecar, DTMF event)', async () => {
    const { phone, daemon, base, rec } = await start('recording-sigterm', 30, { SHUTDOWN_DRAIN_SEC: '1' });
    await phone.command('dial', `sip:echo@127.0.0.1:${base}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    await phone.command('sndcode', '5');
    await daemon.waitLog(/^DTMF digit received: 5$/, 5000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await daemon.stop()).toBe(0); // SIGTERM: drain 1 s, hang up, exit 0

    const jsons = filesUnder(rec).filter((p) => p.endsWith('.json'));
    expect(jsons).toHaveLength(1);
    const meta = JSON.parse(readFileSync(jsons[0] as string, 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      complete: true,
      end_reason: 'shutdown',
      events: [expect.objectContaining({ name: 'dtmf', data: expect.objectContaining({ digit: '5' }) })],
    });
    const { seconds } = stereo((jsons[0] as string).replace(/\.json$/, '.wav'));
    expect(seconds).toBeCloseTo(meta.duration_sec as number, 1);
    expect(seconds).toBeGreaterThan(4);
    const buf = readFileSync((jsons[0] as string).replace(/\.json$/, '.wav'));
    expect(buf.readUInt32LE(40)).toBe(buf.length - 44); // final sizes
  });
});
