/**
 * Outbound calls from a `media_encryption: dtls-srtp` account offer WebRTC-style media
 * (issue #8): `POST /calls` makes the daemon dial baresip (dtls_srtp + ice, auto-answer)
 * with a `UDP/TLS/RTP/SAVPF` offer, our fingerprint, `a=setup:actpass` (RFC 5763 §5),
 * ICE-lite credentials and a host candidate, rtcp-mux. baresip answers, runs ICE against our
 * ICE-lite agent and DTLS-SRTP in the role its answer chose; the echo test's greeting and
 * baresip's own voice come back, with 0 SRTP failures. Everything runs in a loopback-only
 * network namespace (PEERS.md), so the HTTP request is made from inside it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDir } from '../helpers/paths.js';
import { jsonLines, startProcess, stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import {
  NS_IP as IP,
  WEBRTC_MEDIA_PARAMS,
  createLoopbackNamespace,
  deleteNamespace,
  measureDtlsEchoCall,
  startDaemonInNamespace,
  writeWebrtcBaresipConfig,
} from '../helpers/netns.js';

const NS = `va-dtls-o-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

/** `POST url` with a JSON body from inside the namespace (the daemon's API listens there). */
function postInNamespace(url: string, body: object): Promise<{ status: number; text: string }> {
  const script = `fetch(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: ${JSON.stringify(JSON.stringify(body))} }).then(async (r) => console.log(JSON.stringify({ status: r.status, text: await r.text() })))`;
  return new Promise((resolve, reject) =>
    execFile('ip', ['netns', 'exec', NS, process.execPath, '-e', script], (err, out) =>
      err ? reject(err) : resolve(JSON.parse(out) as { status: number; text: string }),
    ),
  );
}

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
    writeWebrtcBaresipConfig(bdir, source, `<sip:bob@${IP}>;regint=0;answermode=auto;${WEBRTC_MEDIA_PARAMS}`);
    phone = startProcess('baresip', 'ip', ['netns', 'exec', NS, 'baresip', '-f', bdir, '-t', '40'], {
      logFile: join(bdir, 'baresip.log'),
    });
    await phone.waitFor(/baresip is ready/, 10_000);

    const res = await postInNamespace(`http://${IP}:8080/calls`, { to: `sip:bob@${IP}:5060` });
    expect(res.status, res.text).toBe(202);
    await daemon.waitFor(/DTLS-SRTP established/, 20_000);
    await daemon.waitFor(/"msg":"call ended: /, 40_000);

    const offer = phone.output();
    expect(offer).toMatch(/mnat 'ice' connected/);
    expect(offer).toMatch(/DTLS-SRTP complete/);
    const placing = jsonLines(daemon.output()).find((l) => l.msg === 'placing call');
    expect(placing).toBeDefined();
    const m = measureDtlsEchoCall(daemon.output(), phone.output(), bdir);
    expect(m.stats?.srtpFailures).toBe(0);
    expect(m.stats?.packetsReceived).toBeGreaterThan(400);
    expect(m.stats?.packetsSent).toBeGreaterThan(400);
    expect(m.greetingCorr, `greeting correlation ${m.greetingCorr.toFixed(3)}`).toBeGreaterThan(0.8);
    expect(m.echoRms).toBeGreaterThan(300);
    expect(m.echoCorr, `echo correlation ${m.echoCorr.toFixed(3)}`).toBeGreaterThan(0.8);
  });
});
