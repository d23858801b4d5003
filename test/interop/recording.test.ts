import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** One daemon with recording on, one baresip phone calling it directly (PCMU, echo test). */
async function setup(name: string, base: number, speechSec: number) {
  const dir = runDir(name);
  const rec = join(dir, 'rec');
  const daemon = await startDaemon({
    dir,
    sipPort: base,
    httpPort: base + 1,
    rtpPortMin: base + 40,
    rtpPortMax: base + 59,
    env: { SIP_RECORD_CALLS: 'true', SIP_RECORDING_PATH: rec },
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
  let a: Awaited<ReturnType<typeof setup>>;
  let b: Awaited<ReturnType<typeof setup>>;
  const greeting = (): Int16Array => readWav(join(PROMPTS, '8000/greeting.wav')).samples;

  beforeAll(async () => {
    const base = await freePortBlock(160);
    [a, b] = await Promise.all([setup('recording', base, 16), setup('recording-kill9', base + 80, 30)]);
  });
  afterAll(async () => {
    await Promise.all([a?.phone.stop(), b?.phone.stop()]);
    await Promise.all([a?.daemon.stop(), b?.daemon.stop()]);
    await stopAll();
  });

  // enable once CallManager wiring lands (CallRecorder created in CallManager.confirm)
  it.skip('writes one stereo WAV (caller left, assistant right) and a JSON sidecar per call', async () => {
    const { phone, daemon, base, rec } = a;
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

    // Right channel: the greeting, from the start of the call.
    const g = bestMatch(greeting().subarray(RATE * 0.5, RATE * 2.5), right, 0, RATE * 3);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)} at lag ${g.lag}`).toBeGreaterThan(0.8);
    // Left channel: what baresip sent (its encoder input), near the same moment of the call.
    const sent = readWav(phone.recordings().enc as string).samples;
    const from = RATE * 4;
    const segment = sent.subarray(from, from + RATE * 1.5);
    expect(rms(segment)).toBeGreaterThan(300);
    const c = bestMatch(segment, left, from - RATE * 2, from + RATE * 2);
    expect(c.corr, `caller correlation ${c.corr.toFixed(3)} at lag ${c.lag}`).toBeGreaterThan(0.8);
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

  // enable once CallManager wiring lands (CallRecorder created in CallManager.confirm)
  it.skip('after kill -9 mid-call the WAV parses up to about a second before the kill, with the sidecar', async () => {
    const { phone, daemon, base, rec } = b;
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
    const g = bestMatch(greeting().subarray(RATE * 0.5, RATE * 2.5), right, 0, RATE * 3);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)}`).toBeGreaterThan(0.8);
    const meta = JSON.parse(readFileSync((wavs[0] as string).replace(/\.wav$/, '.json'), 'utf8'));
    expect(meta).toMatchObject({ account: 'default', complete: false, ended_at: null, sample_rate: 8000 });
  });
});
