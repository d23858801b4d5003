/**
 * The guide followed literally, in one call: the daemon registers its extension over
 * secure WebSocket (RFC 7118) with digest auth at Kamailio (websocket + tls modules), with
 * `media_encryption: dtls-srtp`; baresip (dtls_srtp + ice), registered at the same
 * Kamailio over UDP, calls that extension. Kamailio relays the INVITE from UDP to the
 * daemon's WSS flow (`lookup("location")` on the `.invalid` Contact, `fix_nated_register`
 * / `add_contact_alias` + `handle_ruri_alias` for the in-dialog requests); ICE-lite
 * completes, DTLS-SRTP keys are agreed (RFC 5763/5764), and the echo test's greeting and
 * echo come back over UDP/TLS/RTP/SAVPF with rtcp-mux. Kamailio does not touch the SDP.
 *
 * Everything runs in one loopback-only namespace (PEERS.md: baresip's ice module skips
 * 127.0.0.1 and would gather other interfaces); Kamailio listens on 127.0.0.1 there,
 * baresip and the daemon's media on 127.0.0.2. The daemon is judged by its log.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kamailioWsAvailable,
  logRouting,
  startKamailioWs,
  wssAccountEnv,
  type KamailioWs,
} from '../helpers/kamailio-ws.js';
import {
  NS_IP,
  WEBRTC_MEDIA_PARAMS,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  httpInNamespace,
  measureDtlsEchoCall,
  startDaemonInNamespace,
} from '../helpers/netns.js';
import { runDir } from '../helpers/paths.js';
import { sleep, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const NS = `va-wss-d-${process.pid}`;
const nsAvailable = kamailioWsAvailable() && createLoopbackNamespace(NS);
/** Kamailio's ports inside the namespace (nothing else listens there). */
const SIP_PORT = 5080;
const WS_PORT = 8080;
const WSS_PORT = 8443;

describe.skipIf(!nsAvailable)(
  'guide literally: daemon on WSS + DTLS-SRTP at Kamailio, baresip (UDP, dtls_srtp + ice) calls it',
  () => {
    const dir = runDir('webrtc-wss-daemon');
    let kamailio: KamailioWs;
    let daemon: Managed;
    let phone: Managed | undefined;

    beforeAll(async () => {
      kamailio = await startKamailioWs({
        dir: join(dir, 'k'),
        netns: NS,
        sipPort: SIP_PORT,
        wsPort: WS_PORT,
        wssPort: WSS_PORT,
        users: { voice: 'voicepw', alice: 'alicepw' },
        cfgTransform: logRouting,
      });
      daemon = await startDaemonInNamespace(NS, dir, {
        ...wssAccountEnv(kamailio, 'voice', 'voicepw'),
        SIP_MEDIA_ENCRYPTION: 'dtls-srtp',
        // The signalling peer (Kamailio, 127.0.0.1) says nothing about the media path: the
        // RTP sockets are bound on NS_IP, so that is the address the SDP must carry.
        SIP_PUBLIC_ADDRESS: NS_IP,
      });
    });
    afterAll(async () => {
      await phone?.stop();
      await daemon?.stop();
      await kamailio?.stop();
      await stopAll();
      deleteNamespace(NS);
    });

    it('registers over WSS, takes the relayed call, and echoes over DTLS-SRTP / SAVPF', async () => {
      await daemon.waitFor(/"msg":"SIP registration successful"/, 15_000);
      await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 over wss contact/, 5000);

      // 30 s of caller audio and 40 s of baresip: the daemon hangs up first (below).
      const source = speechWav(dir, 'caller', 'Peter Piper picked a peck of pickled peppers.', 8000, 30);
      const bdir = join(dir, 'baresip');
      phone = dialFromNamespace(
        NS,
        bdir,
        source,
        `sip:voice@127.0.0.1:${SIP_PORT}`,
        40,
        `<sip:alice@127.0.0.1:${SIP_PORT}>;auth_pass=alicepw;regint=300;${WEBRTC_MEDIA_PARAMS}`,
      );
      // Kamailio: alice registered over UDP, her INVITE relayed to the daemon's WSS flow.
      await kamailio.proc.waitFor(/REGISTER sip:alice@127\.0\.0\.1(:\d+)? over udp contact/, 10_000);
      const relay = await kamailio.proc.waitFor(
        /RELAY INVITE sip:voice@[a-z0-9]+\.invalid;transport=ws/,
        10_000,
      );
      expect(relay).toMatch(/dst sip:127\.0\.0\.1:\d+;transport=ws/);
      const answered = await daemon.waitFor(/"msg":"call answered: echo test running"/, 10_000);
      const callId = (JSON.parse(answered) as { call: string }).call;

      await daemon.waitFor(/DTLS-SRTP established/, 20_000);
      // The daemon hangs up after 19 s: its BYE goes over the WSS flow and Kamailio's
      // Record-Route. (baresip, hanging up itself, sends a final RTCP BYE in clear after
      // its DTLS close_notify; relayed through Kamailio its SIP BYE arrives after that
      // datagram, which the daemon rightly counts as an SRTCP authentication failure.)
      await sleep(19_000);
      const del = await httpInNamespace(NS, 'DELETE', `http://${NS_IP}:8080/calls/${callId}`);
      expect(del.status, del.body).toBe(200);
      await daemon.waitFor(/"msg":"call ended: /, 10_000);
      await kamailio.proc.waitFor(/RELAY BYE sip:/, 5000);
      await phone.stop();
      const m = measureDtlsEchoCall(daemon.output(), phone.output(), bdir);
      expect(m.stats).toMatchObject({ srtpFailures: 0 });
      expect(m.stats?.packetsReceived).toBeGreaterThan(400);
      expect(m.stats?.packetsSent).toBeGreaterThan(400);
      expect(m.iceConnected && m.dtlsComplete).toBe(true);
      expect(m.greetingCorr, `greeting correlation ${m.greetingCorr.toFixed(3)}`).toBeGreaterThan(0.8);
      expect(m.echoRms).toBeGreaterThan(300);
      expect(m.echoCorr, `echo correlation ${m.echoCorr.toFixed(3)}`).toBeGreaterThan(0.8);
    });
  },
);
