import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { Baresip } from '../helpers/baresip.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const SPEECH =
  'Peter Piper picked a peck of pickled peppers. A peck of pickled peppers Peter Piper picked. ' +
  'Betty Botter bought some butter, but she said the butter is bitter.';

/** Downmix/decimate a recording to 8 kHz mono so the correlation stays cheap. */
function to8k(path: string): Int16Array {
  const w = readWav(path);
  const step = w.sampleRate / 8000;
  const out = new Int16Array(Math.floor(w.samples.length / step));
  for (let i = 0; i < out.length; i++) {
    let acc = 0;
    for (let k = 0; k < step; k++) acc += w.samples[i * step + k] ?? 0;
    out[i] = Math.round(acc / step);
  }
  return out;
}

interface Leg {
  readonly name: string;
  readonly codecLine: string;
  readonly rate: number;
  readonly channels: number;
  readonly extra: string[];
  readonly modules: string[];
  readonly expectCodec: string;
}

const LEGS: Leg[] = [
  {
    name: 'pcma',
    codecLine: 'PCMA/8000/1',
    rate: 8000,
    channels: 1,
    extra: [],
    modules: [],
    expectCodec: 'PCMA',
  },
  {
    name: 'opus',
    codecLine: 'opus/48000/2',
    rate: 48000,
    channels: 2,
    extra: [],
    modules: ['opus.so'],
    expectCodec: 'opus',
  },
  {
    name: 'srtp',
    codecLine: 'PCMU/8000/1',
    rate: 8000,
    channels: 1,
    extra: ['mediaenc=srtp-mand'],
    modules: ['srtp.so'],
    expectCodec: 'PCMU',
  },
];

describe('baresip media legs straight to the daemon: PCMA, Opus, SRTP (echo checked)', () => {
  const dir = runDir('media');
  let base = 0;
  let daemon: DaemonHandle;
  const phones = new Map<string, Baresip>();

  beforeAll(async () => {
    base = await freePortBlock(200);
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 100,
      rtpPortMax: base + 199,
    });
    await Promise.all(
      LEGS.map(async (leg, i) => {
        const mono = speechWav(dir, `caller-${leg.name}`, SPEECH, leg.rate, 18);
        let source = mono;
        if (leg.channels === 2) {
          source = join(dir, `caller-${leg.name}-stereo.wav`);
          execFileSync('sox', [mono, '-c', '2', source]);
        }
        const p = base + 10 + i * 20;
        const phone = await Baresip.start({
          dir: join(dir, `baresip-${leg.name}`),
          sipPort: p,
          ctrlPort: p + 3,
          rtpPort: p + 4,
          sourceWav: source,
          extraModules: leg.modules,
          accounts: [
            [`<sip:${leg.name}@127.0.0.1>;regint=0;audio_codecs=${leg.codecLine}`, ...leg.extra].join(';'),
          ],
        });
        phones.set(leg.name, phone);
      }),
    );
  });
  afterAll(async () => {
    await Promise.all([...phones.values()].map((p) => p.stop()));
    await daemon?.stop();
    await stopAll();
  });

  it('echoes each leg back; the Opus leg also has a DTMF digit detected', async () => {
    await Promise.all(
      LEGS.map(async (leg) => {
        const phone = phones.get(leg.name) as Baresip;
        await phone.command('dial', `sip:echo@127.0.0.1:${base}`);
        await phone.waitEvent('CALL_ESTABLISHED', 10_000);
      }),
    );
    const status = await daemon.get<{ calls: Array<{ from: string; codec: string }> }>('/sip/status');
    for (const leg of LEGS) {
      const call = status.body.calls.find((c) => c.from.includes(`${leg.name}@`));
      expect(call?.codec, `${leg.name} codec`).toBe(leg.expectCodec);
    }
    await new Promise((r) => setTimeout(r, 14_000));
    await phones.get('opus')?.command('sndcode', '7');
    await daemon.waitLog(/^DTMF digit received: 7$/, 5000);
    await Promise.all(LEGS.map((leg) => phones.get(leg.name)?.waitEvent('CALL_CLOSED', 20_000)));
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'calls to end',
    );

    for (const leg of LEGS) {
      const { enc, dec } = (phones.get(leg.name) as Baresip).recordings();
      expect(enc && dec, `${leg.name} recordings`).toBeTruthy();
      const sent = to8k(enc as string);
      const heard = to8k(dec as string);
      const from = 8000 * 12.5;
      const segment = sent.subarray(from, from + 8000 * 1.2);
      expect(rms(segment), `${leg.name} speech level`).toBeGreaterThan(300);
      const m = bestMatch(segment, heard, from - 8000 * 2, from + 8000);
      // G.711 round trips are near bit-exact; Opus is lossy but still strongly correlated.
      expect(m.corr, `${leg.name} echo correlation ${m.corr.toFixed(3)}`).toBeGreaterThan(
        leg.name === 'opus' ? 0.6 : 0.8,
      );
    }
    const logs = daemon.logs().filter((l) => l.msg === 'call ended: remote-bye');
    expect(logs).toHaveLength(3);
  });
});
