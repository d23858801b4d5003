/** RFC 3261 §13.2.1 / RFC 3264 §5: an offerless (late-offer) INVITE, with FakeClock + FakeTransport. */
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
async function received(inviteBody: string, onInvite: (c: IncomingCall) => void = () => undefined) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  let call: IncomingCall | undefined;
  ua.on('invite', (c: IncomingCall) => {
    call = c;
    onInvite(c);
  });
  transport.inject(rawRequest({ body: inviteBody }));
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
