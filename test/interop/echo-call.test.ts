import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { Baresip } from '../helpers/baresip.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { PROMPTS, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import { join } from 'node:path';

const SPEECH =
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. ' +
  'Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck. ' +
  'Four score and seven years ago our fathers brought forth on this continent a new nation.';

describe('baresip calls the daemon through Kamailio: greeting, echo and DTMF (PCMU)', () => {
  const dir = runDir('echo-call');
  let base = 0;
  let kamailio: Kamailio;
  let daemon: DaemonHandle;
  let phone: Baresip;

  beforeAll(async () => {
    base = await freePortBlock(80);
    kamailio = await startKamailio({ dir, port: base, users: { voice: 'voicepw', alice: 'alicepw' } });
    daemon = await startDaemon({
      dir,
      sipPort: base + 2,
      httpPort: base + 3,
      rtpPortMin: base + 40,
      rtpPortMax: base + 59,
      env: {
        SIP_SERVER: '127.0.0.1',
        SIP_PORT: String(base),
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_DOMAIN: '127.0.0.1',
      },
    });
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    // The greeting lasts ~11 s; the caller talks for 26 s in all, then baresip hangs up.
    const source = speechWav(dir, 'caller', SPEECH, 8000, 26);
    phone = await Baresip.start({
      dir: join(dir, 'baresip'),
      sipPort: base + 4,
      ctrlPort: base + 6,
      rtpPort: base + 60,
      sourceWav: source,
      accounts: [`<sip:alice@127.0.0.1:${base}>;auth_pass=alicepw;regint=300;audio_codecs=PCMU/8000/1`],
    });
    await until(() => /alice@127\.0\.0\.1: .*200 OK/.test(phone.proc.output()), 10_000, 'baresip registered');
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await kamailio?.stop();
    await stopAll();
  });

  it('hears the greeting, gets its own audio back, and has a DTMF digit read back', async () => {
    await phone.command('dial', `sip:voice@127.0.0.1:${base}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    // baresip reports "established" when it sends its ACK: wait for the daemon to see it too.
    const status = await until(
      async () => {
        const r = await daemon.get<{ active_calls: number; calls: Array<{ state: string; codec: string }> }>(
          '/sip/status',
        );
        return r.body.calls[0]?.state === 'active' ? r : undefined;
      },
      5000,
      'call active in /sip/status',
    );
    expect(status.body.active_calls).toBe(1);
    expect(status.body.calls[0]).toMatchObject({ state: 'active', codec: 'PCMU' });
    // After the greeting, press 5 (RFC 4733 telephone-event).
    await new Promise((r) => setTimeout(r, 16_000));
    await phone.command('sndcode', '5');
    const mid = await daemon.get<{ calls: Array<{ warnings: string[] }>; diagnostics: string[] }>(
      '/sip/status',
    );
    expect(mid.body.calls[0]?.warnings).toEqual([]); // two-way audio: nothing to diagnose
    expect(mid.body.diagnostics).toEqual([]);
    const dtmf = await daemon.waitLog(/^DTMF digit received: 5$/, 5_000);
    expect(dtmf.digit).toBe('5');
    await phone.waitEvent('CALL_CLOSED', 20_000);
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'call end',
    );

    const { enc, dec } = phone.recordings();
    expect(enc && dec).toBeTruthy();
    const sent = readWav(enc as string).samples;
    const heard = readWav(dec as string).samples;
    const rate = 8000;
    // 1. the greeting: its first 2 s appear at the start of what the caller heard
    const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
    const g = bestMatch(greeting.subarray(rate * 0.5, rate * 2.5), heard, 0, rate * 3);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)} at lag ${g.lag}`).toBeGreaterThan(0.8);
    // 2. the echo: 1.5 s of what the caller said at 13 s comes back. baresip's decode dump
    //    holds only the frames it received, so its timeline runs a little behind the
    //    encode dump's (gaps are skipped): search a window around the same moment.
    const from = Math.round(rate * 13);
    const segment = sent.subarray(from, from + rate * 1.5);
    expect(rms(segment)).toBeGreaterThan(300); // speech, not silence
    const e = bestMatch(segment, heard, from - rate * 2, from + rate * 1);
    expect(e.corr, `echo correlation ${e.corr.toFixed(3)} at lag ${e.lag}`).toBeGreaterThan(0.8);
    // 3. the read-back: "you pressed" is heard after the key press
    const youPressed = readWav(join(PROMPTS, '8000/you-pressed.wav')).samples;
    const p = bestMatch(
      youPressed.subarray(0, Math.min(youPressed.length, rate * 0.6)),
      heard,
      rate * 15,
      heard.length - rate,
    );
    expect(p.corr, `read-back correlation ${p.corr.toFixed(3)}`).toBeGreaterThan(0.8);
    const metrics = await daemon.text('/metrics');
    expect(metrics).toMatch(/voice_assistant_dtmf_digits_total\{source="rfc4733"\} 1/);
    expect(metrics).toMatch(/voice_assistant_call_duration_seconds_count\{[^}]*provider="sip"[^}]*\} 1/);
  });
});
