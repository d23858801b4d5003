/**
 * Outbound calls from a `media_encryption: dtls-srtp` account offer WebRTC-style media
 * (issue #8): `POST /calls` makes the daemon dial baresip (dtls_srtp + ice, auto-answer)
 * with a `UDP/TLS/RTP/SAVPF` offer, our fingerprint, `a=setup:actpass` (RFC 5763 §5),
 * ICE-lite credentials and a host candidate, rtcp-mux. baresip answers, runs ICE against our
 * ICE-lite agent and DTLS-SRTP in the role its answer chose; the echo test's greeting and
 * baresip's own voice come back, with 0 SRTP failures. Everything runs in a loopback-only
 * network namespace (PEERS.md), so the HTTP request is made from inside it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDir } from '../helpers/paths.js';
import { jsonLines, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import {
  NS_IP as IP,
  answerInNamespace,
  createLoopbackNamespace,
  deleteNamespace,
  expectDtlsEchoCall,
  httpInNamespace,
  measureDtlsEchoCall,
  startDaemonInNamespace,
} from '../helpers/netns.js';

const NS = `va-dtls-o-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('the daemon dials baresip (dtls_srtp + ice) from a dtls-srtp account', () => {
  const dir = runDir('webrtc-outbound');
  let daemon: Managed;
  let phone: Managed;

  beforeAll(async () => {
    daemon = await startDaemonInNamespace(NS, dir, { SIP_MEDIA_ENCRYPTION: 'dtls-srtp' });
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await stopAll();
    deleteNamespace(NS);
  });

  it('offers UDP/TLS/RTP/SAVPF with ICE-lite; DTLS-SRTP completes; greeting and echo flow both ways', async () => {
    const source = speechWav(dir, 'callee', 'Peter Piper picked a peck of pickled peppers.', 8000, 20);
    const bdir = join(dir, 'baresip');
    phone = await answerInNamespace(NS, bdir, source, 40);

    const res = await httpInNamespace(NS, 'POST', `http://${IP}:8080/calls`, { to: `sip:bob@${IP}:5060` });
    expect(res.status, res.body).toBe(202);
    await daemon.waitFor(/DTLS-SRTP established/, 20_000);
    await daemon.waitFor(/"msg":"call ended: /, 40_000);

    const placing = jsonLines(daemon.output()).find((l) => l.msg === 'placing call');
    expect(placing).toBeDefined();
    const m = measureDtlsEchoCall(daemon.output(), phone.output(), bdir);
    expectDtlsEchoCall(m);
  });
});
