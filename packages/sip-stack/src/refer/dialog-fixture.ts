/**
 * Test fixture of the REFER tests (both directions): a confirmed UAS dialog with alice
 * (127.0.0.1:5070, tag alicetag) on FakeClock + FakeTransport, and helpers to play alice.
 * Not exported by the package.
 */
import { FakeClock } from '../testing/fake-clock.js';
import { FakeTransport } from '../testing/fake-transport.js';
import { rawRequest, rawResponseTo } from '../testing/sip-fixtures.js';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog, DialogCredentials } from '../dialog/dialog.js';

/** Let pending promise continuations run. */
export const flush = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** What alice puts in a request of hers inside the dialog. */
export interface AliceRequest {
  readonly method: string;
  readonly headers?: readonly string[];
  readonly body?: string;
  readonly contentType?: string;
  /** Our tag as alice names it; default the dialog's. */
  readonly toTag?: string;
}

/** A confirmed UAS dialog with alice; `credentials` are given to accept(). */
export async function answeredCall(credentials?: DialogCredentials) {
  const clock = new FakeClock();
  const transport = new FakeTransport('udp');
  const ua = new UserAgent({ transports: [], transportInstances: [transport], clock });
  await ua.start();
  let accepted: Promise<Dialog> | undefined;
  ua.on('invite', (c: IncomingCall) => {
    accepted = c.accept({
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
      ...(credentials ? { credentials } : {}),
    });
  });
  transport.inject(rawRequest({ body: 'v=0\r\n' }));
  const tag = /\r\nTo:[^\r]*;tag=([^;\r]+)/.exec(transport.last()!.text)![1]!;
  transport.inject(rawRequest({ method: 'ACK', toTag: tag, branch: 'z9hG4bK-ack' }));
  const dialog = await accepted!;
  let aliceCSeq = 10;
  /** Alice sends a request in the dialog; returns the status line of our answer. */
  const send = (o: AliceRequest): string => {
    const body = o.body ?? '';
    const cseq = aliceCSeq++;
    const lines = [
      `${o.method} sip:100@127.0.0.1:5060 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-n${cseq};rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@127.0.0.1:5070>;tag=alicetag',
      `To: <sip:100@127.0.0.1>;tag=${o.toTag ?? tag}`,
      'Call-ID: call-1@127.0.0.1',
      `CSeq: ${cseq} ${o.method}`,
      'Contact: <sip:alice@127.0.0.1:5070>',
      ...(o.headers ?? []),
      ...(body ? [`Content-Type: ${o.contentType ?? 'message/sipfrag;version=2.0'}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ];
    transport.inject(lines.join('\r\n'));
    return transport.last()!.text.split('\r\n')[0]!;
  };
  /** Alice sends a NOTIFY (Event: refer, active;expires=60 unless told); null leaves a header out. */
  const notify = (o: {
    event?: string | null;
    state?: string | null;
    frag?: string;
    contentType?: string;
    toTag?: string;
  }): string =>
    send({
      method: 'NOTIFY',
      headers: [
        ...(o.event === null ? [] : [`Event: ${o.event ?? 'refer'}`]),
        ...(o.state === null ? [] : [`Subscription-State: ${o.state ?? 'active;expires=60'}`]),
      ],
      ...(o.frag !== undefined ? { body: o.frag } : {}),
      ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
      ...(o.toTag !== undefined ? { toTag: o.toTag } : {}),
    });
  /** Start a REFER and return it with the text of what was sent. */
  const refer = async (target = 'sip:200@pbx.example.com', opts: Parameters<Dialog['refer']>[1] = {}) => {
    const pending = dialog.refer(target, opts);
    await flush();
    return { pending, sent: transport.last()!.text };
  };
  /** Alice answers a request we sent (given its text). */
  const answer = async (sent: string, status: number, extra: string[] = []): Promise<void> => {
    transport.inject(rawResponseTo(sent, status, { extra }));
    await flush();
  };
  return { clock, transport, ua, dialog, tag, send, notify, refer, answer };
}
