/** RFC 4028 session timers through the UserAgent (FakeClock + FakeTransport). */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog, DialogTerminationReason } from './dialog.js';

const SDP = Buffer.from(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
);

async function setup(sessionTimers?: { enabled?: boolean; expiresSec?: number; minSeSec?: number }) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp', { address: '127.0.0.1', port: 5060 });
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock, sessionTimers });
  await ua.start();
  const flush = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const firstLines = () => transport.sent.map((s) => s.text.split('\r\n')[0] ?? '');
  return { clock, transport, ua, flush, firstLines };
}

function toTagOf(text: string): string {
  return /\r\nTo:[^\r]*;tag=([^;\r]+)/.exec(text)?.[1] ?? '';
}

/** An answered call whose INVITE carried `extra` headers; resolves after the ACK. */
async function answered(extra: string[], sessionTimers?: { minSeSec?: number; expiresSec?: number }) {
  const s = await setup(sessionTimers);
  let dialogPromise: Promise<Dialog> | undefined;
  s.ua.on('invite', (c: IncomingCall) => {
    dialogPromise = c.accept({ body: SDP, contentType: 'application/sdp' });
  });
  s.transport.inject(rawRequest({ extra, body: 'v=0\r\n' }));
  const ok = s.transport.last()!.text;
  const tag = toTagOf(ok);
  s.transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
  const dialog = await dialogPromise!;
  const reasons: DialogTerminationReason[] = [];
  dialog.on('terminated', ({ reason }) => reasons.push(reason));
  return { ...s, ok, tag, dialog, reasons };
}

describe('RFC 4028 session timers, UAS (§9) and refreshee (§10)', () => {
  it('answers Session-Expires with the interval, refresher and Require: timer; Supported lists timer', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uas']);
    expect(s.ok).toMatch(/^SIP\/2.0 200 /);
    expect(s.ok).toContain('Session-Expires: 90;refresher=uas');
    expect(s.ok).toContain('Require: timer');
    expect(s.ok).toMatch(/\r\nSupported: [^\r]*timer/);
  });

  it('keeps the UAC as refresher when it supports timer and names none', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 300']);
    expect(s.ok).toContain('Session-Expires: 300;refresher=uac');
    expect(s.dialog.sessionTimer?.weRefresh).toBe(false);
  });

  it('uses our interval with refresher=uac for Supported: timer without Session-Expires', async () => {
    const s = await answered(['Supported: timer'], { expiresSec: 600 });
    expect(s.ok).toContain('Session-Expires: 600;refresher=uac');
  });

  it('no timer when the INVITE has neither Session-Expires nor Supported: timer', async () => {
    const s = await answered([]);
    expect(s.ok).not.toContain('Session-Expires');
    expect(s.dialog.sessionTimer).toBeUndefined();
  });

  it('rejects Session-Expires below Min-SE with 422 and Min-SE (§9)', async () => {
    const s = await setup();
    s.ua.on('invite', (c: IncomingCall) => void c.accept({ body: SDP, contentType: 'application/sdp' }));
    s.transport.inject(rawRequest({ extra: ['Supported: timer', 'Session-Expires: 60'], body: 'v=0\r\n' }));
    const res = s.transport.last()!.text;
    expect(res).toMatch(/^SIP\/2.0 422 /);
    expect(res).toContain('Min-SE: 90');
  });

  it('raises a too-small interval to Min-SE and refreshes itself when the UAC lacks timer', async () => {
    const s = await answered(['Session-Expires: 60']);
    expect(s.ok).toContain('Session-Expires: 90;refresher=uas');
    expect(s.ok).not.toContain('Require: timer');
    expect(s.dialog.sessionTimer?.weRefresh).toBe(true);
  });

  it('refreshee: BYE after interval - min(32, interval/3) without a refresh, reason session-expired', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uac']);
    s.clock.advance(59_900);
    await s.flush();
    expect(s.firstLines().some((l) => l.startsWith('BYE '))).toBe(false);
    s.clock.advance(100);
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^BYE /);
    expect(s.reasons).toEqual(['session-expired']);
    expect(s.dialog.state).toBe('terminated');
  });

  it('a received refresh (UPDATE) is answered with Session-Expires and restarts the timer', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uac']);
    s.clock.advance(50_000);
    s.transport.inject(
      rawRequest({
        method: 'UPDATE',
        toTag: s.tag,
        cseq: 2,
        branch: 'z9hG4bK-upd',
        extra: ['Supported: timer', 'Session-Expires: 90;refresher=uac'],
      }),
    );
    const ok = s.transport.last()!.text;
    expect(ok).toMatch(/^SIP\/2.0 200 /);
    expect(ok).toContain('Session-Expires: 90;refresher=uac');
    expect(ok).toContain('Require: timer');
    s.clock.advance(59_000); // 109 s since the start: the old deadline (60 s) has passed
    await s.flush();
    expect(s.firstLines().some((l) => l.startsWith('BYE '))).toBe(false);
    s.clock.advance(1_000);
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^BYE /);
  });

  it('a refresh re-INVITE answered by the reinvite listener gets Session-Expires; 422 when too small', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uac']);
    s.dialog.on('reinvite', (_req, respond) => respond(200, { body: SDP, contentType: 'application/sdp' }));
    s.transport.inject(
      rawRequest({
        toTag: s.tag,
        cseq: 2,
        branch: 'z9hG4bK-re',
        body: 'v=0\r\n',
        extra: ['Supported: timer', 'Session-Expires: 120'],
      }),
    );
    const ok = s.transport.last()!.text;
    expect(ok).toMatch(/^SIP\/2.0 200 /);
    expect(ok).toContain('Session-Expires: 120;refresher=uac');
    expect(s.dialog.sessionTimer?.intervalSec).toBe(120);
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.tag, cseq: 2, branch: 'z9hG4bK-re-ack' }));
    s.transport.inject(
      rawRequest({
        method: 'UPDATE',
        toTag: s.tag,
        cseq: 3,
        branch: 'z9hG4bK-upd2',
        extra: ['Supported: timer', 'Session-Expires: 30'],
      }),
    );
    const res = s.transport.last()!.text;
    expect(res).toMatch(/^SIP\/2.0 422 /);
    expect(res).toContain('Min-SE: 90');
  });
});

describe('RFC 4028 refresher (§10)', () => {
  it('sends a re-INVITE with our last SDP at half the interval and adopts the 2xx', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uas']);
    expect(s.dialog.sessionTimer?.weRefresh).toBe(true);
    s.clock.advance(44_900);
    await s.flush();
    const before = s.transport.sent.length;
    s.clock.advance(100);
    await s.flush();
    expect(s.transport.sent.length).toBe(before + 1);
    const reinvite = s.transport.last()!.text;
    expect(reinvite).toMatch(/^INVITE sip:alice@127.0.0.1:5070 SIP\/2.0/);
    expect(reinvite).toContain('Session-Expires: 90;refresher=uac');
    expect(reinvite).toContain('m=audio 4000');
    s.transport.inject(
      rawResponseTo(reinvite, 200, {
        toTag: 'alicetag',
        extra: ['Session-Expires: 120;refresher=uac', 'Contact: <sip:alice@127.0.0.1:5070>'],
      }),
    );
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^ACK /);
    expect(s.dialog.sessionTimer?.intervalSec).toBe(120);
    const n = s.transport.sent.length;
    s.clock.advance(59_000);
    await s.flush();
    expect(s.transport.sent.length).toBe(n);
    s.clock.advance(1_000);
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^INVITE /);
  });

  it('prefers UPDATE without a body when the peer allows it', async () => {
    const s = await answered([
      'Allow: INVITE, ACK, CANCEL, BYE, UPDATE',
      'Supported: timer',
      'Session-Expires: 90;refresher=uas',
    ]);
    s.clock.advance(45_000);
    await s.flush();
    const update = s.transport.last()!.text;
    expect(update).toMatch(/^UPDATE /);
    expect(update).toContain('Session-Expires: 90;refresher=uac');
    expect(update).toContain('Content-Length: 0');
  });

  it('on 422 raises the interval to the Min-SE given and retries', async () => {
    const s = await answered([
      'Allow: INVITE, ACK, BYE, UPDATE',
      'Supported: timer',
      'Session-Expires: 90;refresher=uas',
    ]);
    s.clock.advance(45_000);
    await s.flush();
    const first = s.transport.last()!.text;
    s.transport.inject(rawResponseTo(first, 422, { toTag: 'alicetag', extra: ['Min-SE: 150'] }));
    await s.flush();
    const retry = s.transport.last()!.text;
    expect(retry).toMatch(/^UPDATE /);
    expect(retry).toContain('Session-Expires: 150;refresher=uac');
  });

  it('on 491 retries after the RFC 3261 §14.1 back-off', async () => {
    const s = await answered(['Supported: timer', 'Session-Expires: 90;refresher=uas']);
    s.clock.advance(45_000);
    await s.flush();
    const first = s.transport.last()!.text;
    s.transport.inject(rawResponseTo(first, 491, { toTag: 'alicetag' }));
    await s.flush();
    const n = s.transport.sent.filter((m) => m.text.startsWith('INVITE ')).length;
    s.clock.advance(2_000); // UAS side (not the Call-ID owner): 0-2 s
    await s.flush();
    expect(s.transport.sent.filter((m) => m.text.startsWith('INVITE ')).length).toBe(n + 1);
  });

  it('a refresh answered 481 ends the dialog with BYE', async () => {
    const s = await answered([
      'Allow: INVITE, ACK, BYE, UPDATE',
      'Supported: timer',
      'Session-Expires: 90;refresher=uas',
    ]);
    s.clock.advance(45_000);
    await s.flush();
    s.transport.inject(rawResponseTo(s.transport.last()!.text, 481, { toTag: 'alicetag' }));
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^BYE /);
    expect(s.reasons).toEqual(['session-expired']);
  });

  it('sessionTimers.enabled=false: no timer, no timer tag', async () => {
    const s = await setup({ enabled: false });
    s.ua.on('invite', (c: IncomingCall) => void c.accept({ body: SDP, contentType: 'application/sdp' }));
    s.transport.inject(
      rawRequest({ extra: ['Supported: timer', 'Session-Expires: 90;refresher=uas'], body: 'v=0\r\n' }),
    );
    const ok = s.transport.last()!.text;
    expect(ok).toMatch(/^SIP\/2.0 200 /);
    expect(ok).not.toContain('Session-Expires');
  });
});

describe('RFC 4028 UAC (§7)', () => {
  async function placed(sessionTimers?: { expiresSec?: number }) {
    const s = await setup(sessionTimers);
    const p = s.ua.invite('sip:bob@127.0.0.1:5070', { body: SDP, contentType: 'application/sdp' });
    await s.flush();
    return { ...s, p };
  }

  it('offers Supported: timer and Session-Expires, honours refresher=uac in the 2xx (we refresh)', async () => {
    const s = await placed({ expiresSec: 600 });
    const invite = s.transport.last()!.text;
    expect(invite).toContain('Session-Expires: 600');
    expect(invite).toMatch(/\r\nSupported: [^\r]*timer/);
    s.transport.inject(
      rawResponseTo(invite, 200, {
        toTag: 'bobtag',
        extra: [
          'Contact: <sip:bob@127.0.0.1:5070>',
          'Allow: INVITE, ACK, BYE, UPDATE',
          'Require: timer',
          'Session-Expires: 120;refresher=uac',
        ],
      }),
    );
    const dialog = await s.p;
    expect(dialog.sessionTimer?.intervalSec).toBe(120);
    expect(dialog.sessionTimer?.weRefresh).toBe(true);
    s.clock.advance(60_000);
    await s.flush();
    expect(s.transport.last()!.text).toMatch(/^UPDATE sip:bob@127.0.0.1:5070 /);
  });

  it('refresher=uas in the 2xx: we are the refreshee; no Session-Expires: no timer', async () => {
    const s = await placed();
    s.transport.inject(
      rawResponseTo(s.transport.last()!.text, 200, {
        toTag: 'bobtag',
        extra: ['Contact: <sip:bob@127.0.0.1:5070>', 'Session-Expires: 90;refresher=uas'],
      }),
    );
    const dialog = await s.p;
    expect(dialog.sessionTimer?.weRefresh).toBe(false);
    s.clock.advance(60_000);
    await s.flush();
    expect(s.firstLines().at(-1)).toMatch(/^BYE /);

    const t = await placed();
    t.transport.inject(
      rawResponseTo(t.transport.last()!.text, 200, {
        toTag: 'bobtag',
        extra: ['Contact: <sip:bob@127.0.0.1:5070>'],
      }),
    );
    expect((await t.p).sessionTimer).toBeUndefined();
  });

  it('retries once on 422 with Session-Expires and Min-SE raised, CSeq + 1', async () => {
    const s = await placed();
    const first = s.transport.last()!.text;
    s.transport.inject(rawResponseTo(first, 422, { toTag: 'bobtag', extra: ['Min-SE: 3600'] }));
    await s.flush();
    const retry = s.transport.sent.filter((m) => m.text.startsWith('INVITE ')).at(-1)!.text;
    expect(retry).not.toBe(first);
    expect(retry).toContain('Session-Expires: 3600');
    expect(retry).toContain('Min-SE: 3600');
    expect(retry).toContain('CSeq: 2 INVITE');
    s.transport.inject(rawResponseTo(retry, 422, { toTag: 'bobtag2', extra: ['Min-SE: 7200'] }));
    await expect(s.p).rejects.toThrow(/422/);
  });
});
