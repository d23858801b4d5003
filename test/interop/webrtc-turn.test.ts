/**
 * TURN relay (RFC 8656) with coturn 4.6 on loopback: the echo UAS allocates a relay on
 * coturn and advertises ONLY the relayed address (c=, m= port and its one ICE candidate,
 * type relay); every datagram it sends or receives crosses coturn (Send/Data indications,
 * ChannelData). baresip (dtls_srtp + ice) calls it; audio must flow both ways. Runs in a
 * loopback-only network namespace like the ICE suite (PEERS.md).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import {
  NS_IP as IP,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  startCoturnInNamespace,
  TURN_PASSWORD,
  TURN_USER,
} from '../helpers/netns.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { jsonLines, startProcess, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const NS = `va-turn-${process.pid}`;
const HARNESS = join(ROOT, 'test/interop/webrtc/echo-harness.ts');
const SPEECH = 'Four score and seven years ago our fathers brought forth on this continent a new nation.';

const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)(
  'coturn relays a DTLS-SRTP call whose UAS offers only a relay candidate',
  () => {
    const dir = runDir('webrtc-turn');
    let coturn: Managed;
    let harness: Managed;
    let phone: Managed;
    const events = (): Array<Record<string, unknown>> => jsonLines(harness.output());

    beforeAll(async () => {
      coturn = await startCoturnInNamespace(NS, dir);
      harness = startProcess(
        'harness',
        'ip',
        ['netns', 'exec', NS, process.execPath, '--import', 'tsx', HARNESS],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            HOST: IP,
            SIP_PORT: '5070',
            RTP_PORT: '30000',
            MAX_MS: '60000',
            TURN_SERVER: `${IP}:3478`,
            TURN_USERNAME: TURN_USER,
            TURN_PASSWORD: TURN_PASSWORD,
          },
          logFile: join(dir, 'harness.log'),
        },
      );
      await harness.waitFor(/"event":"ready"/, 20_000);
    });
    afterAll(async () => {
      await phone?.stop();
      await harness?.stop();
      await coturn?.stop();
      await stopAll();
      deleteNamespace(NS);
    });

    it('answers with only the relayed candidate, DTLS completes through coturn, audio flows both ways', async () => {
      const source = speechWav(dir, 'caller', SPEECH, 8000, 8);
      const bdir = join(dir, 'baresip');
      phone = dialFromNamespace(NS, bdir, source, `sip:echo@${IP}:5070`, 20);
      await harness.waitFor(/"event":"dtls-connected"/, 20_000);
      await harness.waitFor(/"event":"stats"/, 25_000);
      const ev = events();
      const allocated = ev.find((e) => e.event === 'turn-allocated');
      expect(allocated?.relayed).toMatchObject({ address: IP });
      const relayPort = Number((allocated?.relayed as { port: number }).port);
      expect(relayPort).toBeGreaterThanOrEqual(40000); // coturn's relay range, not our socket (30000)
      const sdp = String(ev.find((e) => e.event === 'answer')?.sdp);
      expect(sdp).toContain(`c=IN IP4 ${IP}`);
      expect(sdp).toMatch(new RegExp(`m=audio ${relayPort} UDP/TLS/RTP/SAVPF`));
      expect(sdp).toMatch(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.2 \d+ typ relay/);
      expect(sdp).not.toMatch(/typ host/);
      expect(ev.find((e) => e.event === 'turn-channel')?.channel).toBe(0x4000); // ChannelData after DTLS
      const stats = ev.find((e) => e.event === 'stats')!;
      expect(stats.srtpFailures).toBe(0);
      expect(Number(stats.packetsReceived)).toBeGreaterThan(100);
      expect(Number(stats.packetsSent)).toBeGreaterThan(100);
      expect(phone.output()).toMatch(/DTLS-SRTP complete/);
      // baresip received from the relay, not from our socket (30000).
      expect(phone.output()).toMatch(new RegExp(`receiving from 127\\.0\\.0\\.2:${relayPort}`));
      const files = readdirSync(bdir);
      const sent = readWav(
        join(
          bdir,
          files.find((f) => f.endsWith('-enc.wav'))!,
        ),
      ).samples;
      const heard = readWav(
        join(
          bdir,
          files.find((f) => f.endsWith('-dec.wav'))!,
        ),
      ).samples;
      const rate = 8000;
      const corrs = [1, 2, 3, 4, 5].map((sec) => {
        const segment = sent.subarray(sec * rate, (sec + 1) * rate);
        expect(rms(segment)).toBeGreaterThan(300);
        return bestMatch(segment, heard, (sec - 1) * rate, (sec + 1) * rate).corr;
      });
      const good = corrs.filter((c) => c > 0.8).length;
      expect(good, `echo correlations ${corrs.map((c) => c.toFixed(3)).join(' ')}`).toBeGreaterThanOrEqual(3);
    });
  },
);
