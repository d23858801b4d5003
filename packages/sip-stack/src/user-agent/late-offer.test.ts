/**
 * Where the offer and answer travel besides INVITE/2xx, with FakeClock + FakeTransport: an
 * offerless (late-offer) INVITE (RFC 3261 §13.2.1, RFC 3264 §5) and PRACK bodies (RFC 3262 §5).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog } from '../dialog/dialog.js';

const OFFER = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n');
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n';

/** A UA on a fake transport that received one INVITE; `onInvite` may answer it at once. */
async function received(
  inviteBody: string,
  onInvite: (c: IncomingCall) => void = () => undefined,
  extra: string[] = [],
) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  let call: IncomingCall | undefined;
  ua.on('invite', (c: IncomingCall) => {
    call = c;
    onInvite(c);
  });
  transport.inject(rawRequest({ body: inviteBody, extra }));
  return { clock, transport, ua, call: call! };
}

async function offerless(inviteBody = '') {
  const { clock, transport, ua, call } = await received(inviteBody);
  const accepted: Promise<Dialog> = call.accept({ body: OFFER, contentType: 'application/sdp' });
  const ok = transport.last()!.text;
  const tag = /\r\nTo:[^\r]*;tag=([^;\r]+)/.exec(ok)![1]!;
  return { clock, transport, ua, call, accepted, ok, tag };
}

describe('offerless INVITE (RFC 3261 §13.2.1, RFC 3264 §5)', () => {
  it('hasOffer is false without a body and true with one', async () => {
    expect((await offerless()).call.hasOffer).toBe(false);
    expect((await offerless('v=0\r\n')).call.hasOffer).toBe(true);
  });

  it('puts our offer in the 2xx and resolves ackBody with the answer carried by the ACK', async () => {
    const s = await offerless();
    expect(s.ok).toMatch(/^SIP\/2.0 200 /);
    expect(s.ok).toContain('Content-Type: application/sdp');
    expect(s.ok.endsWith(OFFER.toString('latin1'))).toBe(true);
    const acks: string[] = [];
    s.call.dialog!.on('ack', (req) => acks.push(req.body.toString()));
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.tag, branch: 'z9hG4bK-ack', body: ANSWER }));
    const dialog = await s.accepted;
    expect(dialog.state).toBe('confirmed');
    const ack = await s.call.ackBody;
    expect(ack.body?.toString()).toBe(ANSWER);
    expect(ack.contentType).toBe('application/sdp');
    expect(acks).toEqual([ANSWER]);
    // A retransmitted ACK is absorbed (no second event).
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.tag, branch: 'z9hG4bK-ack', body: ANSWER }));
    expect(acks).toHaveLength(1);
  });

  it('an ACK without the answer resolves ackBody with no body (the TU decides, §13.3.1.4)', async () => {
    const s = await offerless();
    s.transport.inject(rawRequest({ method: 'ACK', toTag: s.tag, branch: 'z9hG4bK-ack' }));
    await s.accepted;
    expect(await s.call.ackBody).toEqual({});
  });

  it('resolves ackBody with {} when no ACK comes within 64*T1 (accept rejects, BYE sent)', async () => {
    const s = await offerless();
    const failed = s.accepted.catch((e: Error) => e.name);
    s.clock.advance(64 * 500);
    expect(await failed).toBe('CallStateError');
    expect(await s.call.ackBody).toEqual({});
    expect(s.transport.last()!.text).toMatch(/^BYE /);
  });

  it('resolves ackBody with {} for a rejected call', async () => {
    const { call } = await received('', (c) => c.reject(486));
    expect(await call.ackBody).toEqual({});
  });
});

const OFFER_TEXT = OFFER.toString('latin1');

/** A call whose INVITE (with `inviteBody`) requires 100rel, with a reliable 183 sent carrying `body183`. */
async function reliable183(inviteBody: string, body183: string) {
  const { clock, transport, ua, call } = await received(inviteBody, () => undefined, ['Require: 100rel']);
  call.progress(183, { body: Buffer.from(body183), contentType: 'application/sdp' });
  const r183 = transport.last()!.text;
  const rseq = /\r\nRSeq: (\d+)/.exec(r183)![1]!;
  let n = 0;
  const prack = (body: string, rack = `${rseq} 1 INVITE`): string => {
    transport.inject(
      rawRequest({
        method: 'PRACK',
        toTag: call.localTag,
        cseq: 2,
        branch: `z9hG4bK-prack-${++n}`,
        body,
        extra: [`RAck: ${rack}`],
      }),
    );
    return transport.last()!.text;
  };
  return { clock, transport, ua, call, r183, prack };
}

describe('PRACK bodies (RFC 3262 §5)', () => {
  it('offerless INVITE: our offer in the reliable 183, the answer arrives in the PRACK', async () => {
    const s = await reliable183('', OFFER_TEXT);
    expect(s.call.hasOffer).toBe(false);
    expect(s.r183).toMatch(/^SIP\/2.0 183 /);
    expect(s.r183.endsWith(OFFER_TEXT)).toBe(true);
    const seen: string[] = [];
    s.call.on('prack', (req) => seen.push(req.body.toString()));
    const res = s.prack(ANSWER);
    expect(seen).toEqual([ANSWER]);
    expect(res).toMatch(/^SIP\/2.0 200 /);
    expect(res).toContain('Content-Length: 0');
    expect(res).toContain(`;tag=${s.call.localTag}`);
  });

  it('an offer in the PRACK is answered in its 200 through answer()', async () => {
    const s = await reliable183(OFFER_TEXT, ANSWER);
    s.call.on('prack', (req, answer) => {
      expect(req.body.toString()).toBe(OFFER_TEXT);
      answer({ body: Buffer.from(ANSWER), contentType: 'application/sdp' });
    });
    const res = s.prack(OFFER_TEXT);
    expect(res).toMatch(/^SIP\/2.0 200 /);
    expect(res).toContain('Content-Type: application/sdp');
    expect(res.endsWith(ANSWER)).toBe(true);
  });

  it('answer() after the listener returned is ignored; a PRACK for another RSeq gets 481 and no event', async () => {
    const s = await reliable183(OFFER_TEXT, ANSWER);
    let late: ((o: { body: Buffer; contentType: string }) => void) | undefined;
    let events = 0;
    s.call.on('prack', (_req, answer) => {
      events++;
      late = answer;
    });
    expect(s.prack('', '999 1 INVITE')).toMatch(/^SIP\/2.0 481 /);
    expect(events).toBe(0);
    expect(s.prack('')).toMatch(/^SIP\/2.0 200 /);
    late!({ body: Buffer.from(ANSWER), contentType: 'application/sdp' });
    expect(events).toBe(1);
  });

  it('a throwing prack listener does not stop the 200', async () => {
    const s = await reliable183('', OFFER_TEXT);
    s.call.on('prack', () => {
      throw new Error('app bug');
    });
    expect(s.prack(ANSWER)).toMatch(/^SIP\/2.0 200 /);
  });
});
