/**
 * SIPp against the daemon: transfer with NOTIFY progress (RFC 3515), attended transfer
 * (RFC 5589 §7.3 with Replaces, RFC 3891), an INVITE with Replaces for a live call
 * (RFC 3891 §3) and offerless INVITEs (RFC 3261 §13.2.1, RFC 3264 §5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { runSipp, scenarioArgs } from '../helpers/sipp.js';

interface CallInfo {
  readonly id: string;
  readonly call_id: string;
  readonly state: string;
}

describe('sipp transfer, Replaces and late-offer scenarios against the daemon', () => {
  const dir = runDir('sipp-transfer');
  let base = 0;
  let daemon: DaemonHandle;
  const api = (): string => `http://127.0.0.1:${base + 1}`;

  beforeAll(async () => {
    base = await freePortBlock(100);
    daemon = await startDaemon({
      dir,
      name: 'daemon',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 60,
      rtpPortMax: base + 99,
      env: { RTP_MEDIA_TIMEOUT_SEC: '0' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  /** Runs `test/sipp/<name>.xml` once from SIP port base+slot (media ports base+20+4*slot). */
  const scenario = (name: string, slot: number, extra: string[] = [], timeoutSec = 40) =>
    runSipp(scenarioArgs(`127.0.0.1:${base}`, name, base + slot, base + 20 + 4 * slot, extra), {
      dir,
      name,
      timeoutSec,
    });

  const calls = async (): Promise<CallInfo[]> =>
    ((await (await fetch(`${api()}/calls`)).json()) as { calls: CallInfo[] }).calls;
  const activeCall = (pred: (c: CallInfo) => boolean = () => true): Promise<CallInfo> =>
    until(async () => (await calls()).find((c) => c.state === 'active' && pred(c)), 10_000, 'an active call');
  const transfer = async (id: string, body: object) => {
    const res = await fetch(`${api()}/calls/${id}/transfer`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { transferred: boolean } };
  };
  const transfers = async (mode: string, result: string): Promise<number> => {
    const re = new RegExp(
      `voice_assistant_transfers_total\\{[^}]*mode="${mode}",result="${result}"[^}]*\\} (\\d+)`,
    );
    return Number(re.exec(await daemon.text('/metrics'))?.[1] ?? 0);
  };

  it('blind transfer: REFER 202, NOTIFY 100 then 200: the daemon answers 202 and leaves with BYE', async () => {
    const run = scenario('refer-notify-200', 2);
    const active = await activeCall();
    const t = await transfer(active.id, { target: '200' });
    expect(t.status).toBe(202);
    expect(t.body.transferred).toBe(true);
    const r = await run;
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await daemon.waitLog(/^transfer completed$/, 5000);
    await daemon.waitLog(/^call ended: transferred$/, 5000);
    expect(await transfers('blind', 'success')).toBe(1);
  });

  it('blind transfer: REFER 202, final NOTIFY 486: 502, the call stays up until the far end hangs up', async () => {
    const run = scenario('refer-notify-486', 3);
    const active = await activeCall();
    const t = await transfer(active.id, { target: '200' });
    expect(t.status).toBe(502);
    expect(t.body.transferred).toBe(false);
    const r = await run;
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await daemon.waitLog(/^transfer failed: keeping the call$/, 5000);
    expect(await transfers('blind', 'failed')).toBe(1);
    await until(
      async () => (await calls()).find((c) => c.id === active.id && c.state === 'ended'),
      10_000,
      'the call ended by the far end',
    );
    const ended = (await calls()).find((c) => c.id === active.id) as CallInfo & { end_reason: string };
    expect(ended.end_reason).toBe('remote-bye');
  });

  it('offerless INVITE: our offer in the 200, the answer in the ACK, RTP both ways, then BYE', async () => {
    const endedBefore = daemon.logs().filter((l) => String(l.msg).startsWith('call ended')).length;
    const r = await scenario('offerless-invite', 4);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    const ended = await until(
      () => daemon.logs().filter((l) => String(l.msg).startsWith('call ended'))[endedBefore],
      10_000,
      'call ended',
    );
    expect(ended.msg).toBe('call ended: remote-bye');
    const stats = ended.stats as { packetsSent: number; packetsReceived: number };
    expect(stats.packetsSent).toBeGreaterThan(50);
    expect(stats.packetsReceived).toBeGreaterThan(50);
  });

  it('offerless INVITE whose ACK has no SDP answer: the daemon ends the call with BYE', async () => {
    const r = await scenario('offerless-ack-no-sdp', 5);
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    await daemon.waitLog(/^no usable SDP answer in the ACK: hanging up$/, 5000);
  });

  it('INVITE with Replaces naming a live call: answered, and the replaced dialog gets BYE', async () => {
    const messages = join(dir, 'replaced-leg-messages.log');
    const leg1 = scenario('replaced-leg', 6, ['-trace_msg', '-message_file', messages]);
    await activeCall();
    const text = readFileSync(messages, 'utf8');
    const callId = /^Call-ID: (\S+)/im.exec(text)?.[1];
    const fromTag = /;tag=(leg1-\d+)/.exec(text)?.[1];
    const ok = text.slice(text.indexOf('SIP/2.0 200'));
    const toTag = /^To:.*;tag=([^;>\s]+)/im.exec(ok)?.[1];
    expect(callId && fromTag && toTag, text.slice(-3000)).toBeTruthy();
    const leg2 = scenario('invite-replaces', 7, [
      '-key',
      'replaced_callid',
      callId as string,
      '-key',
      'replaced_totag',
      toTag as string,
      '-key',
      'replaced_fromtag',
      fromTag as string,
    ]);
    const [r1, r2] = await Promise.all([leg1, leg2]);
    expect(r1.exitCode, r1.output.slice(-2000)).toBe(0);
    expect(r2.exitCode, r2.output.slice(-2000)).toBe(0);
    await daemon.waitLog(/^call ended: replaced$/, 5000);
  });

  it('attended transfer: consultation call answered, REFER with Replaces, NOTIFY 200: both legs get BYE', async () => {
    const target = scenario('attended-target', 8);
    const caller = scenario('attended-caller', 9);
    const active = await activeCall();
    const t = await transfer(active.id, { target: `sip:200@127.0.0.1:${base + 8}`, mode: 'attended' });
    expect(t.status).toBe(202);
    expect(t.body.transferred).toBe(true);
    const [rt, rc] = await Promise.all([target, caller]);
    expect(rt.exitCode, rt.output.slice(-2000)).toBe(0);
    expect(rc.exitCode, rc.output.slice(-2000)).toBe(0);
    expect(await transfers('attended', 'success')).toBe(1);
  });

  it('answers 400 to an unknown transfer mode and 404 for an unknown call', async () => {
    const bad = { method: 'POST', body: JSON.stringify({ target: '200', mode: 'sideways' }) };
    expect((await fetch(`${api()}/calls/none/transfer`, bad)).status).toBe(404);
    const ended = (await calls())[0] as CallInfo;
    expect((await fetch(`${api()}/calls/${ended.id}/transfer`, bad)).status).toBe(400);
  });
});
