/**
 * TURN relay (RFC 8656) through the REAL daemon: coturn 4.6 on the namespace's loopback,
 * the daemon started with `SIP_TURN_SERVER=turn:<coturn>` (+ username/password) and
 * `SIP_MEDIA_ENCRYPTION=dtls-srtp`, so it answers baresip's `UDP/TLS/RTP/SAVPF` offer with
 * only the relayed candidate and every media datagram crosses coturn. baresip (dtls_srtp +
 * ice) calls it; the echo test's greeting and the caller's echo must arrive, packets must
 * flow both ways with no SRTP failure, and baresip's ICE pair, DTLS peer and RTP source
 * must all be in coturn's relay range (40000-40100), not
 * the daemon's own RTP socket (30000-30099). Loopback-only namespace as in
 * webrtc-daemon.test.ts (PEERS.md); the daemon is judged by its log and baresip's dumps.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import {
  NS_IP as IP,
  baresipPeerPorts,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  startCoturnInNamespace,
  startDaemonInNamespace,
  TURN_RELAY_MAX,
  TURN_RELAY_MIN,
  TURN_PASSWORD,
  TURN_USER,
} from '../helpers/netns.js';
import { PROMPTS, runDir } from '../helpers/paths.js';
import { jsonLines, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const NS = `va-turn-d-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('baresip calls the daemon whose media is relayed by coturn (TURN)', () => {
  const dir = runDir('webrtc-turn-daemon');
  let coturn: Managed;
  let daemon: Managed;
  let phone: Managed;
  const logs = (): Array<Record<string, unknown>> => jsonLines(daemon.output());

  beforeAll(async () => {
    coturn = await startCoturnInNamespace(NS, dir);
    daemon = await startDaemonInNamespace(NS, dir, {
      SIP_MEDIA_ENCRYPTION: 'dtls-srtp',
      SIP_TURN_SERVER: `turn:${IP}:3478`,
      SIP_TURN_USERNAME: TURN_USER,
      SIP_TURN_PASSWORD: TURN_PASSWORD,
    });
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await coturn?.stop();
    await stopAll();
    deleteNamespace(NS);
  });

  it('DTLS-SRTP completes through the relay; greeting, echo and packets flow both ways', async () => {
    const source = speechWav(dir, 'caller', 'Peter Piper picked a peck of pickled peppers.', 8000, 20);
    const bdir = join(dir, 'baresip');
    phone = dialFromNamespace(NS, bdir, source, `sip:echo@${IP}:5070`, 24);
    await daemon.waitFor(/DTLS-SRTP established/, 20_000);
    await daemon.waitFor(/"msg":"call ended: /, 30_000);
    await phone.exited;

    // The daemon gathered no failing candidate (TURN allocation worked) ...
    const gathering = logs().filter((l) => l.msg === 'ICE candidate gathering');
    expect(gathering.map((l) => l.problem)).toEqual([]);
    // ... and the call carried SRTP both ways without an authentication failure.
    const ended = logs().find((l) => String(l.msg).startsWith('call ended'));
    const stats = ended?.stats as
      | { srtpFailures: number; srtcpFailures?: number; packetsReceived: number; packetsSent: number }
      | undefined;
    expect(stats?.srtpFailures).toBe(0);
    expect(stats?.srtcpFailures ?? 0).toBeLessThanOrEqual(1); // baresip's RTCP BYE at hangup
    expect(stats?.packetsReceived).toBeGreaterThan(200);
    expect(stats?.packetsSent).toBeGreaterThan(200);

    const log = phone.output();
    expect(log).toMatch(/DTLS-SRTP complete/);
    // baresip received from coturn's relay range, never from the daemon's RTP socket.
    // Every peer address baresip used (ICE's nominated pair, DTLS, RTP) is the relay's.
    const from = baresipPeerPorts(log);
    expect(from.length, 'baresip logs ICE, DTLS and RTP peers').toBeGreaterThanOrEqual(3);
    for (const port of from) {
      expect(port).toBeGreaterThanOrEqual(TURN_RELAY_MIN);
      expect(port).toBeLessThanOrEqual(TURN_RELAY_MAX);
    }
    // coturn saw the allocation (its log names the session's user).
    expect(coturn.output()).toMatch(/va/);

    const files = readdirSync(bdir);
    const heard = readWav(join(bdir, files.find((f) => f.endsWith('-dec.wav')) as string)).samples;
    const rate = 8000;
    const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
    const g = bestMatch(greeting.subarray(rate * 0.5, rate * 2.5), heard, 0, rate * 4);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)}`).toBeGreaterThan(0.8);
    // And the caller's voice came back through the relay: the echo test echoes after its
    // 11.3 s greeting.
    const sent = readWav(join(bdir, files.find((f) => f.endsWith('-enc.wav')) as string)).samples;
    const corrs = [14, 15, 16, 17].map((sec) => {
      const segment = sent.subarray(sec * rate, (sec + 1) * rate);
      if (rms(segment) < 300) return NaN; // a pause in the speech: not a test of the echo
      return bestMatch(segment, heard, (sec - 2) * rate, Math.min(heard.length - rate, (sec + 1) * rate))
        .corr;
    });
    const voiced = corrs.filter((c) => !Number.isNaN(c));
    expect(voiced.length).toBeGreaterThanOrEqual(2);
    expect(
      voiced.filter((c) => c > 0.8).length,
      `echo correlations ${corrs.map((c) => c.toFixed(3)).join(' ')}`,
    ).toBeGreaterThanOrEqual(voiced.length - 1);
  });
});
