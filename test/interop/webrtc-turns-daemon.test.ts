/**
 * TURN over TLS through the REAL daemon (issue #8): coturn 4.6 in a loopback-only namespace
 * (PEERS.md) with a TLS listener on a self-signed certificate, and the daemon started with
 * `SIP_MEDIA_ENCRYPTION=dtls-srtp`, `SIP_TURN_SERVER=turns:<coturn>:5349` (RFC 7065 §3.1)
 * and `SIP_TLS_CA_FILE` naming that certificate, certificate checks on (`verify_server`
 * default). Each call allocates its relay over one TLS connection (RFC 8656 §3.1; the relay
 * still carries UDP to the peer) and every media datagram crosses coturn's relay range
 * (40000-40100), never the daemon's own RTP socket (30000-30099):
 * (a) baresip (dtls_srtp + ice) calls the daemon, which answers with the relayed candidate;
 * (b) `POST /calls` dials baresip: our DTLS-SRTP offer (`createSecureOffer`) carries the
 *     relayed candidate only, with `c=` and the m-line port on the relay.
 * Both: greeting and echo heard by baresip, packets both ways, no SRTP failure, no
 * gathering problem, and the allocation released when the call ends (Refresh with
 * LIFETIME 0, RFC 8656 §7.3, in coturn's verbose log).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../helpers/kamailio-ws.js';
import {
  NS_IP as IP,
  TURNS_PORT,
  TURN_PASSWORD,
  TURN_RELAY_MAX,
  TURN_RELAY_MIN,
  TURN_USER,
  answerInNamespace,
  baresipPeerPorts,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  expectDtlsEchoCall,
  httpInNamespace,
  measureDtlsEchoCall,
  startCoturnInNamespace,
  startDaemonInNamespace,
} from '../helpers/netns.js';
import { runDir } from '../helpers/paths.js';
import { jsonLines, stopAll, until, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';

const NS = `va-turns-d-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('DTLS-SRTP calls relayed by coturn over TLS (SIP_TURN_SERVER=turns:)', () => {
  const dir = runDir('webrtc-turns-daemon');
  let coturn: Managed;
  let daemon: Managed;
  const phones: Managed[] = [];

  beforeAll(async () => {
    const cert = selfSignedCert(join(dir, 'certs')); // SAN IP:127.0.0.2
    coturn = await startCoturnInNamespace(NS, dir, { tls: cert, verbose: true });
    daemon = await startDaemonInNamespace(NS, dir, {
      SIP_MEDIA_ENCRYPTION: 'dtls-srtp',
      SIP_TURN_SERVER: `turns:${IP}:${TURNS_PORT}`,
      SIP_TURN_USERNAME: TURN_USER,
      SIP_TURN_PASSWORD: TURN_PASSWORD,
      SIP_TLS_CA_FILE: cert.certFile,
    });
  });
  afterAll(async () => {
    for (const phone of phones) await phone.stop();
    await daemon?.stop();
    await coturn?.stop();
    await stopAll();
    deleteNamespace(NS);
  });

  /** Waits for `re` in what the daemon printed after `mark` (its output length before the call). */
  const daemonSays = (mark: number, re: RegExp, ms: number): Promise<boolean> =>
    until(() => re.test(daemon.output().slice(mark)), ms, String(re));

  /** Everything a relayed echo-test call must show, from the daemon's output since `mark`. */
  function expectRelayedEchoCall(mark: number, phone: Managed, bdir: string): void {
    const out = daemon.output().slice(mark);
    // The allocation over TLS worked: nothing failed while gathering.
    expect(
      jsonLines(out)
        .filter((l) => l.msg === 'ICE candidate gathering')
        .map((l) => l.problem),
    ).toEqual([]);
    expectDtlsEchoCall(measureDtlsEchoCall(out, phone.output(), bdir));
    // baresip's ICE pair, DTLS peer and RTP source are all the relay, never the daemon's socket.
    const ports = baresipPeerPorts(phone.output());
    expect(ports.length, 'baresip logs ICE, DTLS and RTP peers').toBeGreaterThanOrEqual(3);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(TURN_RELAY_MIN);
      expect(port).toBeLessThanOrEqual(TURN_RELAY_MAX);
    }
  }

  /** coturn logged `count` allocations on its TLS listener and as many released with LIFETIME 0. */
  async function expectAllocationsReleased(count: number): Promise<void> {
    await until(
      () =>
        (coturn.output().match(/refreshed, realm=<voice\.test>, username=<va>, lifetime=0/g) ?? []).length >=
        count,
      10_000,
      `${count} allocation(s) released (Refresh LIFETIME 0)`,
    );
    const overTls = coturn
      .output()
      .match(
        new RegExp(`closed \\(2nd stage\\), user <va>.*local ${IP.replace(/\./g, '\\.')}:${TURNS_PORT}`, 'g'),
      );
    expect(overTls?.length ?? 0, 'sessions on the TLS listener').toBeGreaterThanOrEqual(count);
  }

  it('(a) baresip calls the daemon: DTLS-SRTP and audio both ways through the relay reached over TLS', async () => {
    const mark = daemon.output().length;
    const source = speechWav(dir, 'caller', 'Peter Piper picked a peck of pickled peppers.', 8000, 20);
    const bdir = join(dir, 'caller');
    const phone = dialFromNamespace(NS, bdir, source, `sip:echo@${IP}:5070`, 24);
    phones.push(phone);
    await daemonSays(mark, /DTLS-SRTP established/, 20_000);
    await daemonSays(mark, /"msg":"call ended: /, 30_000);
    await phone.exited;
    expectRelayedEchoCall(mark, phone, bdir);
    await expectAllocationsReleased(1);
  });

  it('(b) POST /calls from the dtls-srtp account offers the relayed candidate only; audio both ways', async () => {
    const mark = daemon.output().length;
    const source = speechWav(dir, 'callee', 'Peter Piper picked a peck of pickled peppers.', 8000, 20);
    const bdir = join(dir, 'callee');
    const phone = await answerInNamespace(NS, bdir, source, 40, true);
    phones.push(phone);
    const res = await httpInNamespace(NS, 'POST', `http://${IP}:8080/calls`, { to: `sip:bob@${IP}:5060` });
    expect(res.status, res.body).toBe(202);
    await daemonSays(mark, /DTLS-SRTP established/, 20_000);
    await daemonSays(mark, /"msg":"call ended: /, 40_000);

    // Our INVITE as baresip received it (SIP trace): one candidate, the relay, also in c= and m=.
    const log = phone.output();
    const invite = log.slice(log.indexOf('INVITE sip:bob@'));
    const sdp = invite.slice(0, invite.search(/^SIP\/2\.0 \d{3}/m));
    expect(sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF /m);
    expect(sdp).toMatch(/^a=ice-lite/m);
    const candidates = [...sdp.matchAll(/^a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ (\w+)/gim)].map((c) => ({
      address: c[1],
      port: Number(c[2]),
      type: c[3],
    }));
    expect(candidates).toHaveLength(1);
    const relay = candidates[0]!;
    expect(relay.type).toBe('relay');
    expect(relay.address).toBe(IP);
    expect(relay.port).toBeGreaterThanOrEqual(TURN_RELAY_MIN);
    expect(relay.port).toBeLessThanOrEqual(TURN_RELAY_MAX);
    expect(sdp).toMatch(new RegExp(`^m=audio ${relay.port} `, 'm'));
    expect(sdp).toMatch(new RegExp(`^c=IN IP4 ${IP.replace(/\./g, '\\.')}`, 'm'));

    expectRelayedEchoCall(mark, phone, bdir);
    await expectAllocationsReleased(2);
  });
});
