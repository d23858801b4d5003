/**
 * The real daemon as a WebRTC-style endpoint: an account with `media_encryption:
 * dtls-srtp` answers baresip's `UDP/TLS/RTP/SAVPF` offer with ICE-lite and DTLS-SRTP
 * (RFC 5763/5764, rtcp-mux), and the echo test runs over it: baresip hears the greeting
 * and its own voice. Everything runs in a loopback-only network namespace (PEERS.md:
 * baresip's ice module skips 127.0.0.1 and would otherwise gather other interfaces), so
 * the daemon is judged by its log and baresip's recordings, not its HTTP API.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { PROMPTS, runDir } from '../helpers/paths.js';
import { jsonLines, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import {
  NS_IP as IP,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  startDaemonInNamespace,
} from '../helpers/netns.js';

const NS = `va-dtls-d-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('baresip (dtls_srtp + ice) calls the daemon: echo test over DTLS-SRTP', () => {
  const dir = runDir('webrtc-daemon');
  let daemon: Managed;
  let phone: Managed;
  const logs = (): Array<Record<string, unknown>> => jsonLines(daemon.output());

  beforeAll(async () => {
    daemon = await startDaemonInNamespace(NS, dir, {
      SIP_MEDIA_ENCRYPTION: 'dtls-srtp',
    });
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await stopAll();
    deleteNamespace(NS);
  });

  it('ICE and DTLS-SRTP complete; the greeting and the echo come back over SAVPF', async () => {
    const source = speechWav(dir, 'caller', 'Peter Piper picked a peck of pickled peppers.', 8000, 20);
    const bdir = join(dir, 'baresip');
    phone = dialFromNamespace(NS, bdir, source, `sip:echo@${IP}:5070`, 24);
    await daemon.waitFor(/DTLS-SRTP established/, 20_000);
    await daemon.waitFor(/"msg":"call ended: /, 30_000);
    await phone.exited;
    const ended = logs().find((l) => String(l.msg).startsWith('call ended'));
    const stats = ended?.stats as
      { srtpFailures: number; packetsReceived: number; packetsSent: number } | undefined;
    expect(stats?.srtpFailures).toBe(0);
    expect(stats?.packetsReceived).toBeGreaterThan(400);
    expect(stats?.packetsSent).toBeGreaterThan(400);
    const log = phone.output();
    expect(log).toMatch(/mnat 'ice' connected/);
    expect(log).toMatch(/DTLS-SRTP complete/);

    const files = readdirSync(bdir);
    const heard = readWav(join(bdir, files.find((f) => f.endsWith('-dec.wav')) as string)).samples;
    const sent = readWav(join(bdir, files.find((f) => f.endsWith('-enc.wav')) as string)).samples;
    const rate = 8000;
    const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
    const g = bestMatch(greeting.subarray(rate * 0.5, rate * 2.5), heard, 0, rate * 4);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)}`).toBeGreaterThan(0.8);
    const from = rate * 15;
    const segment = sent.subarray(from, from + rate);
    expect(rms(segment)).toBeGreaterThan(300);
    const e = bestMatch(segment, heard, from - rate * 2, Math.min(heard.length - rate, from + rate));
    expect(e.corr, `echo correlation ${e.corr.toFixed(3)}`).toBeGreaterThan(0.8);
  });
});
