/** INVITE with Replaces received (RFC 3891 §3), on FakeClock + FakeTransport. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog } from '../dialog/dialog.js';
import { parseReplaces } from '../dialog/replaces.js';

const SDP = Buffer.from('v=0\r\n');
const flush = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** A UA with one confirmed UAS dialog with alice (Call-ID call-1@127.0.0.1, remote tag alicetag). */
async function withDialog() {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  const calls: IncomingCall[] = [];
  ua.on('invite', (c: IncomingCall) => {
    calls.push(c);
  });
  transport.inject(rawRequest({ body: 'v=0\r\n' }));
  const accepted = calls[0]!.accept({ body: SDP, contentType: 'application/sdp' });
  const tag = /\r\nTo:[^\r]*;tag=([^;\r]+)/.exec(transport.last()!.text)![1]!;
  transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
  const dialog = await accepted;
  let n = 0;
  /** Carol's INVITE with the given Replaces lines; returns the call offered, or our final status line. */
  const inviteWith = (...replaces: string[]): { call?: IncomingCall; status: string } => {
    const before = calls.length;
    n++;
    transport.inject(
      rawRequest({
        callId: `carol-${n}@127.0.0.1`,
        branch: `z9hG4bK-carol-${n}`,
        fromTag: `caroltag${n}`,
        body: 'v=0\r\n',
        extra: replaces.map((r) => `Replaces: ${r}`),
      }),
    );
    const status = transport.last()!.text.split('\r\n')[0]!;
    return calls.length > before ? { call: calls.at(-1)!, status } : { status };
  };
  return { clock, transport, ua, dialog, tag, inviteWith };
}

describe('INVITE with Replaces (RFC 3891 §3)', () => {
  it('matches to-tag = our local tag, from-tag = our remote tag and exposes the dialog', async () => {
    const s = await withDialog();
    const r = s.inviteWith(`call-1@127.0.0.1;to-tag=${s.tag};from-tag=alicetag`);
    expect(r.call).toBeDefined();
    expect(r.call!.replaces).toBe(s.dialog);
    expect(r.status).not.toMatch(/^SIP\/2.0 [3-6]/);
    // The TU answers the new call and hangs up the old one.
    expect(s.inviteWith().call!.replaces).toBeUndefined();
  });

  it('swapped tags or an unknown Call-ID match nothing: 481', async () => {
    const s = await withDialog();
    expect(s.inviteWith(`call-1@127.0.0.1;to-tag=alicetag;from-tag=${s.tag}`).status).toMatch(
      /^SIP\/2.0 481 /,
    );
    expect(s.inviteWith(`nope@x;to-tag=${s.tag};from-tag=alicetag`).status).toMatch(/^SIP\/2.0 481 /);
  });

  it('early-only with a confirmed dialog: 486', async () => {
    const s = await withDialog();
    expect(s.inviteWith(`call-1@127.0.0.1;to-tag=${s.tag};from-tag=alicetag;early-only`).status).toMatch(
      /^SIP\/2.0 486 /,
    );
  });

  it('a dialog that ended: 603 within 64*T1, 481 afterwards', async () => {
    const s = await withDialog();
    s.transport.inject(rawRequest({ method: 'BYE', toTag: s.tag, cseq: 2, branch: 'z9hG4bK-bye' }));
    expect(s.dialog.state).toBe('terminated');
    const value = `call-1@127.0.0.1;to-tag=${s.tag};from-tag=alicetag`;
    expect(s.inviteWith(value).status).toMatch(/^SIP\/2.0 603 /);
    s.clock.advance(64 * 500 + 1);
    expect(s.inviteWith(value).status).toMatch(/^SIP\/2.0 481 /);
  });

  it('an unanswered incoming call (early dialog we did not initiate): 481', async () => {
    const s = await withDialog();
    const ringing = s.inviteWith();
    ringing.call!.progress(180);
    const early = ringing.call!;
    const fromTag = early.from.params.get('tag')!;
    expect(s.inviteWith(`${early.callId};to-tag=${early.localTag};from-tag=${fromTag}`).status).toMatch(
      /^SIP\/2.0 481 /,
    );
  });

  it('malformed or repeated Replaces: 400, and nothing throws', async () => {
    const s = await withDialog();
    for (const bad of [
      '',
      ';to-tag=a;from-tag=b',
      'id@x;to-tag=a',
      'id@x;from-tag=b',
      'a,b;to-tag=x;from-tag=y',
      'id@x;to-tag=;from-tag=b',
    ]) {
      expect(s.inviteWith(bad).status).toMatch(/^SIP\/2.0 400 /);
    }
    const ok = `call-1@127.0.0.1;to-tag=${s.tag};from-tag=alicetag`;
    expect(s.inviteWith(ok, ok).status).toMatch(/^SIP\/2.0 400 /);
  });

  it('matches a dialog we placed (UAC: to-tag = our From tag, from-tag = the callee tag)', async () => {
    const s = await withDialog();
    const placed = s.ua.invite('sip:bob@127.0.0.1:5070', { body: SDP, contentType: 'application/sdp' });
    await flush();
    const invite = s.transport.last()!.text;
    s.transport.inject(
      rawResponseTo(invite, 200, { toTag: 'bobtag', extra: ['Contact: <sip:bob@127.0.0.1:5070>'] }),
    );
    const dialog: Dialog = await placed;
    expect(s.inviteWith(`${dialog.callId};to-tag=${dialog.localTag};from-tag=bobtag`).call?.replaces).toBe(
      dialog,
    );
    // Our INVITE advertised replaces.
    expect(invite).toMatch(/\r\nSupported: [^\r]*replaces/);
  });

  it('lists replaces in Supported and accepts Require: replaces', async () => {
    const s = await withDialog();
    s.transport.inject(rawRequest({ method: 'OPTIONS', callId: 'o1', branch: 'z9hG4bK-o1' }));
    expect(s.transport.last()!.text).toMatch(/\r\nSupported: [^\r]*replaces/);
    s.transport.inject(
      rawRequest({ method: 'OPTIONS', callId: 'o2', branch: 'z9hG4bK-o2', extra: ['Require: replaces'] }),
    );
    expect(s.transport.last()!.text).toMatch(/^SIP\/2.0 200 /);
  });
});

describe('parseReplaces (RFC 3891 §6.1)', () => {
  it('reads call-id, tags and early-only; rejects what lacks them', () => {
    expect(parseReplaces('98732@sip.example.com ; from-tag = r33th4x0r ;to-tag=ff87ff')).toEqual({
      callId: '98732@sip.example.com',
      toTag: 'ff87ff',
      fromTag: 'r33th4x0r',
      earlyOnly: false,
    });
    expect(parseReplaces('a@b;to-tag=1;from-tag=2;early-only')?.earlyOnly).toBe(true);
    expect(parseReplaces(undefined)).toBeUndefined();
    expect(parseReplaces('a@b;to-tag;from-tag=2')).toBeUndefined();
    expect(parseReplaces('a@b;to-tag="unterminated;from-tag=2')).toBeUndefined();
  });
});
