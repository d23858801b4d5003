/**
 * The real daemon as a WebRTC-style endpoint: an account with `media_encryption:
 * dtls-srtp` answers baresip's `UDP/TLS/RTP/SAVPF` offer with ICE-lite and DTLS-SRTP
 * (RFC 5763/5764, rtcp-mux), and the echo test runs over it: baresip hears the greeting
 * and its own voice. Everything runs in a loopback-only network namespace (PEERS.md:
 * baresip's ice module skips 127.0.0.1 and would otherwise gather other interfaces), so
 * the daemon is judged by its log and baresip's recordings, not its HTTP API.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runDir } from '../helpers/paths.js';
import { stopAll, type Managed } from '../helpers/processes.js';
import { speechWav } from '../helpers/speech.js';
import {
  NS_IP as IP,
  createLoopbackNamespace,
  deleteNamespace,
  dialFromNamespace,
  expectDtlsEchoCall,
  measureDtlsEchoCall,
  startDaemonInNamespace,
} from '../helpers/netns.js';

const NS = `va-dtls-d-${process.pid}`;
const nsAvailable = createLoopbackNamespace(NS);

describe.skipIf(!nsAvailable)('baresip (dtls_srtp + ice) calls the daemon: echo test over DTLS-SRTP', () => {
  const dir = runDir('webrtc-daemon');
  let daemon: Managed;
  let phone: Managed;

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
    const m = measureDtlsEchoCall(daemon.output(), phone.output(), bdir);
    expectDtlsEchoCall(m);
  });
});
