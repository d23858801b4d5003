/** Digest auth on in-dialog requests (RFC 3261 §22.2, §14.1), on FakeClock + FakeTransport. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { DialogCredentials } from './dialog.js';

const flush = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};
const SDP = Buffer.from('v=0\r\n');
const CREDS: DialogCredentials = { username: '100', authUsername: 'auth-id-100', password: 'secret' };
const WWW = 'WWW-Authenticate: Digest realm="pbx", nonce="n1", qop="auth", algorithm=MD5';
const PROXY = 'Proxy-Authenticate: Digest realm="pbx", nonce="n2", algorithm=SHA-256';

const cseqOf = (text: string): string => /\r\nCSeq: ([^\r]+)/.exec(text)![1]!;
const header = (text: string, name: string): string | undefined =>
  new RegExp(`\\r\\n${name}: ([^\\r]*)`).exec(text)?.[1];

/** A UAC dialog placed with `credentials` (bob answers 200 from 127.0.0.1:5070). */
async function placed(credentials?: DialogCredentials) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  const p = ua.invite('sip:bob@127.0.0.1:5070', {
    body: SDP,
    contentType: 'application/sdp',
    ...(credentials ? { credentials } : {}),
  });
  await flush();
  transport.inject(
    rawResponseTo(transport.last()!.text, 200, {
      toTag: 'bobtag',
      extra: ['Contact: <sip:bob@127.0.0.1:5070>'],
    }),
  );
  const dialog = await p;
  await flush();
  /** Wait for the next request, answer it with `status` (+ extra), return the request text. */
  const answerLast = async (status: number, extra: string[] = []): Promise<string> => {
    await flush();
    const sent = transport.last()!.text;
    transport.inject(rawResponseTo(sent, status, { toTag: 'bobtag', extra }));
    await flush();
    return sent;
  };
  return { clock, transport, dialog, answerLast };
}

describe('in-dialog digest authentication (RFC 3261 §22.2)', () => {
  it('re-sends an INFO challenged with 401 once, CSeq + 1, with Authorization for the auth ID', async () => {
    const s = await placed(CREDS);
    const res = s.dialog.request('INFO', {
      body: Buffer.from('Signal=1\r\n'),
      contentType: 'application/dtmf-relay',
    });
    const first = await s.answerLast(401, [WWW]);
    const retry = await s.answerLast(200);
    expect((await res).status).toBe(200);
    const n = Number.parseInt(cseqOf(first), 10);
    expect(cseqOf(retry)).toBe(`${n + 1} INFO`);
    const auth = header(retry, 'Authorization')!;
    expect(auth).toContain('username="auth-id-100"');
    expect(auth).toContain('realm="pbx"');
    expect(auth).toContain('uri="sip:bob@127.0.0.1:5070"');
    expect(auth).toContain('qop=auth');
    expect(header(first, 'Authorization')).toBeUndefined();
    expect(header(retry, 'Call-ID')).toBe(header(first, 'Call-ID'));
    expect(retry.endsWith('Signal=1\r\n')).toBe(true);
  });

  it('gives up after a second challenge and returns it', async () => {
    const s = await placed(CREDS);
    const res = s.dialog.request('OPTIONS');
    await s.answerLast(401, [WWW]);
    await s.answerLast(401, [WWW.replace('n1', 'n3')]);
    expect((await res).status).toBe(401);
    expect(s.transport.sent.filter((m) => m.text.startsWith('OPTIONS'))).toHaveLength(2);
    expect(s.dialog.state).toBe('confirmed');
  });

  it('without credentials a 401 is returned as is', async () => {
    const s = await placed();
    const res = s.dialog.request('UPDATE');
    await s.answerLast(401, [WWW]);
    expect((await res).status).toBe(401);
  });

  it('answers a 407 to BYE with Proxy-Authorization (SHA-256)', async () => {
    const s = await placed(CREDS);
    const done = s.dialog.bye();
    expect(s.dialog.state).toBe('terminated');
    await s.answerLast(407, [PROXY]);
    const retry = await s.answerLast(200);
    await done;
    expect(retry).toMatch(/^BYE /);
    expect(header(retry, 'Proxy-Authorization')).toContain('algorithm=SHA-256');
    expect(header(retry, 'Proxy-Authorization')).toContain('username="auth-id-100"');
  });

  it('a challenged re-INVITE is re-sent with credentials and its 2xx ACKed with the new CSeq', async () => {
    const s = await placed(CREDS);
    const res = s.dialog.request('INVITE', { body: SDP, contentType: 'application/sdp' });
    await s.answerLast(401, [WWW]);
    // The INVITE client transaction ACKs the 401 itself; the retry follows.
    const retry = s.transport.sent.filter((m) => m.text.startsWith('INVITE')).at(-1)!.text;
    expect(header(retry, 'Authorization')).toBeDefined();
    s.transport.inject(rawResponseTo(retry, 200, { extra: ['Contact: <sip:bob@127.0.0.1:5070>'] }));
    await flush();
    expect((await res).status).toBe(200);
    const ack = s.transport.last()!.text;
    expect(ack).toMatch(/^ACK /);
    expect(cseqOf(ack)).toBe(`${Number.parseInt(cseqOf(retry), 10)} ACK`);
  });
});
