/**
 * TURN relay (RFC 8656) with coturn 4.6 on loopback: the echo UAS allocates a relay on
 * coturn and advertises ONLY the relayed address (c=, m= port and its one ICE candidate,
 * type relay); every datagram it sends or receives crosses coturn (Send/Data indications,
 * ChannelData). baresip (dtls_srtp + ice) calls it; audio must flow both ways. Runs in a
 * loopback-only network namespace like the ICE suite (PEERS.md).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import {
  NS_IP as IP,
  createLoopbackNamespace,
  deleteNamespace,
  writeWebrtcBaresipConfig,
} from '../helpers/netns.js';
import { ROOT, runDir } from '../helpers/paths.js';
import { startProcess, stopAll, type Managed } from '../helpers/processes.js';
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
    const events = (): Array<Record<string, unknown>> =>
      harness
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    beforeAll(async () => {
      // PEERS.md: allow-loopback-peers (else 403 Forbidden IP), lt-cred-mech with a static user.
      const conf = join(dir, 'turnserver.conf');
      writeFileSync(
        conf,
        [
          `listening-ip=${IP}`,
          `relay-ip=${IP}`,
          'listening-port=3478',
          'min-port=40000',
          'max-port=40100',
          'lt-cred-mech',
          'user=va:vapass',
          'realm=voice.test',
          'allow-loopback-peers',
          'no-tls',
          'no-dtls',
          'no-cli',
          'no-tcp-relay',
          `userdb=${join(dir, 'turndb')}`,
          `pidfile=${join(dir, 'turnserver.pid')}`,
          'log-file=stdout',
          'simple-log',
          '',
        ].join('\n'),
      );
      coturn = startProcess('coturn', 'ip', ['netns', 'exec', NS, 'turnserver', '-c', conf], {
        logFile: join(dir, 'coturn.log'),
      });
      await coturn.waitFor(/Total General servers|relay 127\.0\.0\.2|IPv4\. UDP listener opened/, 15_000);
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
            TURN_USERNAME: 'va',
            TURN_PASSWORD: 'vapass',
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
      writeWebrtcBaresipConfig(
        bdir,
        source,
        `<sip:alice@${IP}>;regint=0;mediaenc=dtls_srtp;medianat=ice;audio_codecs=PCMU/8000/1`,
      );
      phone = startProcess(
        'baresip',
        'ip',
        ['netns', 'exec', NS, 'baresip', '-f', bdir, '-e', `/dial sip:echo@${IP}:5070`, '-t', '20'],
        { logFile: join(bdir, 'baresip.log') },
      );
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
