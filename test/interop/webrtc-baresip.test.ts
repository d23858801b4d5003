/**
 * WebRTC-style media against baresip 1.0.0: ICE (baresip full, us ICE-lite, RFC 8445
 * §2.5), DTLS-SRTP (RFC 5763/5764) with keys exported into our SrtpContext, RTP/SAVPF
 * with rtcp-mux. baresip's ice module gathers every interface except 127.0.0.1, so
 * the whole call runs inside a network namespace holding only loopback (PEERS.md); the
 * UAS is test/interop/webrtc/echo-harness.ts (sip-stack UserAgent + prepareSecureMedia +
 * an echoing RtpSession), run as a child process in the namespace.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { jsonLines, startProcess, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import {
  NS_IP as IP,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
} from '../helpers/netns.js';

const NS = `va-webrtc-${process.pid}`;
const HARNESS = join(ROOT, 'test/interop/webrtc/echo-harness.ts');
const SPEECH =
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. ' +
  'Peter Piper picked a peck of pickled peppers.';

const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('baresip (dtls_srtp + ice) calls an ICE-lite DTLS-SRTP echo UAS', () => {
  const dir = runDir('webrtc-baresip');
  let harness: Managed;
  let phone: Managed;
  const events = (): Array<Record<string, unknown>> => jsonLines(harness.output());

  beforeAll(async () => {
    harness = startProcess(
      'harness',
      'ip',
      ['netns', 'exec', NS, process.execPath, '--import', 'tsx', HARNESS],
      {
        cwd: ROOT,
        env: { ...process.env, HOST: IP, SIP_PORT: '5070', RTP_PORT: '30000', MAX_MS: '60000' },
        logFile: join(dir, 'harness.log'),
      },
    );
    await harness.waitFor(/"event":"ready"/, 20_000);
  });
  afterAll(async () => {
    await phone?.stop();
    await harness?.stop();
    await stopAll();
    deleteNamespace(NS);
  });

  it('ICE completes, DTLS-SRTP keys agree, the echo comes back over SAVPF with rtcp-mux', async () => {
    const source = speechWav(dir, 'caller', SPEECH, 8000, 8);
    const bdir = join(dir, 'baresip');
    phone = dialFromNamespace(NS, bdir, source, `sip:echo@${IP}:5070`, 20);
    await harness.waitFor(/"event":"dtls-connected"/, 20_000);
    await harness.waitFor(/"event":"stats"/, 25_000);
    const log = phone.output();
    const ev = events();
    const answer = ev.find((e) => e.event === 'answer')!;
    expect(answer.role).toBe('client'); // baresip offered actpass: we answered active (RFC 5763 §5)
    expect(answer.ice).toBe(true);
    expect(String(answer.sdp)).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0/);
    expect(String(answer.sdp)).toMatch(/a=rtcp-mux/);
    const dtls = ev.find((e) => e.event === 'dtls-connected')!;
    expect(dtls.nominated).toBeDefined(); // baresip nominated a pair with USE-CANDIDATE
    expect(dtls.suite).toMatch(/AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM/);
    const stats = ev.find((e) => e.event === 'stats')!;
    expect(stats.srtpFailures).toBe(0);
    expect(Number(stats.packetsReceived)).toBeGreaterThan(100);
    expect(Number(stats.packetsSent)).toBeGreaterThan(100);
    expect(log).toMatch(/mnat 'ice' connected/); // baresip: ICE completed
    expect(log).toMatch(/DTLS-SRTP complete/); // baresip: its side of the handshake and keys
    // The echo: what baresip sent comes back in what it received.
    const files = readdirSync(bdir);
    const enc = files.find((f) => f.endsWith('-enc.wav'));
    const dec = files.find((f) => f.endsWith('-dec.wav'));
    expect(enc && dec, `sndfile dumps in ${bdir}`).toBeTruthy();
    const sent = readWav(join(bdir, enc!)).samples;
    const heard = readWav(join(bdir, dec!)).samples;
    // 1 s segments at 1..5 s: baresip's decode dump skips frames it never got, so each
    // segment is searched within +-1 s; most must come back nearly intact (G.711 twice).
    const rate = 8000;
    const corrs = [1, 2, 3, 4, 5].map((sec) => {
      const segment = sent.subarray(sec * rate, (sec + 1) * rate);
      expect(rms(segment)).toBeGreaterThan(300); // speech, not silence
      return bestMatch(segment, heard, (sec - 1) * rate, (sec + 1) * rate).corr;
    });
    const good = corrs.filter((c) => c > 0.8).length;
    expect(good, `echo correlations ${corrs.map((c) => c.toFixed(3)).join(' ')}`).toBeGreaterThanOrEqual(3);
  });
});
