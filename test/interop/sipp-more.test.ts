import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { runSipp, scenarioArgs } from '../helpers/sipp.js';
import { stopAll, until } from '../helpers/processes.js';
import { header, headerValues, inDialogRequest, inviteRequest, UdpPeer } from '../helpers/sip-wire.js';

interface Status {
  active_calls: number;
}

/**
 * More SIPp scenarios straight at the daemon (no registrar): in-dialog OPTIONS and INFO,
 * MESSAGE, unknown methods, BYE without a dialog, 100rel/PRACK (RFC 3262), session timers
 * (RFC 4028), codec mismatch; plus what cannot be tested yet (491 glare).
 */
describe('more sipp scenarios against the daemon', () => {
  const dir = runDir('sipp-more');
  let base = 0;
  let plain: DaemonHandle;
  let ringing: DaemonHandle;
  let sippPort = 0;

  beforeAll(async () => {
    base = await freePortBlock(140);
    sippPort = base + 100;
    [plain, ringing] = await Promise.all([
      startDaemon({
        dir,
        name: 'daemon-plain',
        sipPort: base,
        httpPort: base + 1,
        rtpPortMin: base + 10,
        rtpPortMax: base + 49,
        env: { RTP_MEDIA_TIMEOUT_SEC: '0' },
      }),
      startDaemon({
        dir,
        name: 'daemon-ringing',
        sipPort: base + 2,
        httpPort: base + 3,
        rtpPortMin: base + 50,
        rtpPortMax: base + 89,
        env: { SIP_ANSWER_DELAY_MS: '800', RTP_MEDIA_TIMEOUT_SEC: '0' },
      }),
    ]);
  });
  afterAll(async () => {
    await plain?.stop();
    await ringing?.stop();
    await stopAll();
  });

  /** Runs test/sipp/<name>.xml once against `daemon`; returns the result and the message trace. */
  const scenario = async (name: string, daemon: DaemonHandle, timeoutSec = 20, run = name) => {
    const local = sippPort;
    sippPort += 2;
    const messageFile = join(dir, `${run}-messages.log`);
    const r = await runSipp(
      scenarioArgs(`127.0.0.1:${daemon.sipPort}`, name, local, local + 20, [
        '-trace_msg',
        '-message_file',
        messageFile,
      ]),
      { dir, name: run, timeoutSec },
    );
    let trace = '';
    try {
      trace = readFileSync(messageFile, 'latin1');
    } catch {
      /* no trace */
    }
    return { ...r, trace };
  };

  /** The SIP messages sipp received, as raw texts. */
  const received = (trace: string): string[] =>
    trace
      .split(/-{20,}[^\n]*\n/)
      .filter((b) => /message received/.test(b))
      .map((b) => b.replace(/^[^\n]*message received[^\n]*\n\s*/s, '').replace(/\n/g, '\r\n'));

  const noCallLeft = async (daemon: DaemonHandle): Promise<void> => {
    await until(
      async () => (await daemon.get<Status>('/sip/status')).body.active_calls === 0,
      5000,
      'active_calls 0',
    );
  };

  it('OPTIONS inside a dialog: 200, and the call goes on to a normal BYE', async () => {
    const r = await scenario('options-in-dialog', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await noCallLeft(plain);
  });

  it('INFO application/dtmf-relay inside a dialog: 200', async () => {
    const r = await scenario('info-dtmf', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await noCallLeft(plain);
  });

  // The call manager reads INFO application/dtmf-relay digits (as PBXs send them without RFC 4733).
  it('the INFO digit reaches the application (counted in voice_assistant_dtmf_digits_total)', async () => {
    const before = await plain.text('/metrics');
    const count = (m: string): number =>
      [...m.matchAll(/^voice_assistant_dtmf_digits_total(?:\{[^}]*\})? (\d+)/gm)].reduce(
        (s, x) => s + Number(x[1]),
        0,
      );
    const r = await scenario('info-dtmf', plain, 20, 'info-dtmf-2');
    expect(r.exitCode).toBe(0);
    expect(count(await plain.text('/metrics'))).toBeGreaterThan(count(before));
  });

  it('MESSAGE outside a dialog is answered cleanly (405 with Allow today), not ignored', async () => {
    const r = await scenario('message', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    const [res] = received(r.trace);
    expect(res).toBeDefined();
    // What the daemon answers, for the record: 405 Method Not Allowed (no 'message' listener).
    expect(res!.split('\r\n')[0]).toMatch(/^SIP\/2\.0 (200|202|405|415) /);
  });

  // RFC 3261 §8.2.1 / §20.5: a 405 carries Allow listing what the UAS supports; MESSAGE is
  // listed only when the application handles it (the daemon refuses it).
  it('a 405 to MESSAGE does not list MESSAGE in its Allow header', async () => {
    const r = await scenario('message', plain, 20, 'message-2');
    const [res] = received(r.trace);
    expect(res!.split('\r\n')[0]).toMatch(/^SIP\/2\.0 405 /);
    expect(header(res!, 'allow') ?? '').not.toMatch(/\bMESSAGE\b/);
  });

  it('an unknown method gets 501 Not Implemented', async () => {
    const r = await scenario('unknown-method', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
  });

  it('a BYE for an unknown dialog gets 481', async () => {
    const r = await scenario('bye-unknown-dialog', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
  });

  it('an INVITE offering only GSM gets 488 Not Acceptable Here', async () => {
    const r = await scenario('gsm-only', plain);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await noCallLeft(plain);
  });

  // RFC 3262 (packages/sip-stack, user-agent/reliable-provisionals.ts): INVITE with
  // "Require: 100rel" is no longer refused with 420; the ringing daemon's 180 is reliable
  // (Require: 100rel, RSeq, retransmitted until the PRACK), the PRACK (RAck) gets 200, and
  // the 200 to the INVITE comes only after it; then ACK and BYE.
  it('Require: 100rel with PRACK: reliable 180 (RSeq), 200 to PRACK, 200 to INVITE', async () => {
    const r = await scenario('prack', ringing, 15);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await noCallLeft(ringing);
  });

  let sessionTimerTrace = '';
  it('Session-Expires: 90;refresher=uac with Supported: timer: answered 200; an UPDATE refresh gets 200', async () => {
    const r = await scenario('session-timer', plain);
    sessionTimerTrace = r.trace;
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await noCallLeft(plain);
  });

  // RFC 4028 §9: a UAS that supports the extension puts Session-Expires (>= Min-SE, here
  // 90;refresher=uac) in the 2xx and, since the UAC supports timer, "Require: timer".
  it('RFC 4028 §9: the 200 carries Session-Expires >= Min-SE and Require: timer', () => {
    const ok = received(sessionTimerTrace).find(
      (m) => /^SIP\/2\.0 200 /.test(m) && /INVITE/.test(header(m, 'cseq') ?? ''),
    );
    expect(ok).toBeDefined();
    const se = header(ok!, 'session-expires') ?? '';
    expect(Number(/^(\d+)/.exec(se)?.[1] ?? 0)).toBeGreaterThanOrEqual(90);
    expect(se).toMatch(/refresher=uac/);
    const require = headerValues(ok!, 'require').flatMap((v) =>
      v.split(',').map((t) => t.trim().toLowerCase()),
    );
    expect(require).toContain('timer');
  });

  // 491 glare is proven in session-timers.test.ts, against the daemon's own refresh re-INVITE.
});

describe('resource exhaustion: no free RTP port', () => {
  const dir = runDir('sipp-more-ports');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(12);
    // One RTP/RTCP pair only: the first call takes it, the second cannot get media ports.
    daemon = await startDaemon({
      dir,
      name: 'daemon-one-pair',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 2,
      rtpPortMax: base + 3,
      // the leaked call (see below) would otherwise hold SIGTERM for the 30 s drain
      env: { RTP_MEDIA_TIMEOUT_SEC: '0', SHUTDOWN_DRAIN_SEC: '1' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  // Found by bench/sipp-uas.bench.ts at 2000 calls/s: an exhausted RTP port range used to
  // leave the INVITE unanswered (the caller waited for Timer B) and the call leaked. RFC 3261
  // §21.5.4 / §13.3.1: a UAS that cannot take the call answers it (503 Service Unavailable
  // with Retry-After) so the caller can fail over at once.
  it('an INVITE that finds no free RTP port gets a final error (503/500/486) at once, and no call leaks', async () => {
    const peer = await UdpPeer.bind('127.0.0.1', [base + 6]);
    const p = { host: '127.0.0.1', port: base + 6, toPort: base };
    try {
      await peer.send(inviteRequest({ ...p, callId: 'hold-1', mediaPort: base + 8 }), base);
      const first = await peer.collect(3000, (r) => r.some((m) => m.status === 200), 0);
      const ok = first.find((m) => m.status === 200);
      expect(ok).toBeDefined();
      const toTag = /;tag=([^;>\s]+)/.exec(header(ok!.text, 'to') ?? '')?.[1] ?? '';
      await peer.send(inDialogRequest('ACK', { ...p, callId: 'hold-1', toTag, seq: 1 }), base);
      peer.received.length = 0;
      try {
        await peer.send(inviteRequest({ ...p, callId: 'no-ports-2', mediaPort: base + 10 }), base);
        const got = await peer.collect(3000, (r) => r.some((m) => (m.status ?? 0) >= 300), 0);
        const final = got.find((m) => (m.status ?? 0) >= 300);
        expect(final?.status).toBeDefined();
        expect([500, 503, 486, 480]).toContain(final!.status);
      } finally {
        await peer.send(inDialogRequest('BYE', { ...p, callId: 'hold-1', toTag, seq: 2 }), base);
        await peer.collect(2000, (r) => r.some((m) => /BYE/.test(header(m.text, 'cseq') ?? '')), 0);
      }
      await until(
        async () => (await daemon.get<Status>('/sip/status')).body.active_calls === 0,
        3000,
        'active_calls 0',
      );
    } finally {
      peer.close();
    }
  });
});
