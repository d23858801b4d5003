/**
 * Attended transfer's Replaces round trip over real UDP sockets on 127.0.0.1 (RFC 3891
 * §6.1, RFC 3515 §2.1): the Refer-To the transferor builds from ITS view of the dialog to
 * replace, once decoded by the transferee into an INVITE's Replaces header, names the
 * same dialog at the transfer target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import { parseNameAddr } from '../message/name-addr.js';
import { isSipUri, parseUri } from '../message/uri.js';
import { formatReferTo } from '../refer/refer-to.js';

const agents: UserAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function agent(name: string): Promise<{ ua: UserAgent; uri: string }> {
  const ua = new UserAgent({
    transports: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    userAgent: name,
  });
  agents.push(ua);
  await ua.start();
  return { ua, uri: `sip:${name}@127.0.0.1:${ua.boundAddresses[0]!.port}` };
}

const SDP = { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' };

describe('Replaces round trip over UDP loopback', () => {
  it("the transferor's Refer-To, decoded by the transferee, replaces the target's dialog", async () => {
    const [alice, bob, carol] = [await agent('alice'), await agent('bob'), await agent('carol')];
    const offered: IncomingCall[] = [];
    carol.ua.on('invite', (call: IncomingCall) => {
      offered.push(call);
      void call.accept(SDP);
    });
    // Alice (transferor) talks to Carol (transfer target).
    const aliceCarol = await alice.ua.invite(carol.uri, SDP);
    const carolAlice = offered[0]!.dialog!;
    expect(carolAlice.state).toBe('confirmed');

    // Alice's REFER to Bob would carry this Refer-To (tags as Alice sees the dialog).
    const referTo = formatReferTo(carol.uri, {
      callId: aliceCarol.callId,
      localTag: aliceCarol.localTag,
      remoteTag: aliceCarol.remoteTag,
    });
    // Bob (transferee) turns the Refer-To URI's Replaces header into his INVITE's header.
    const target = parseUri(parseNameAddr(referTo)!.uri);
    expect(isSipUri(target)).toBe(true);
    const replaces = isSipUri(target) ? target.headers.get('Replaces') : undefined;
    expect(replaces).toBe(
      `${aliceCarol.callId};to-tag=${aliceCarol.remoteTag};from-tag=${aliceCarol.localTag}`,
    );
    const bobCarol = await bob.ua.invite(carol.uri, {
      ...SDP,
      headers: [{ name: 'Replaces', value: replaces! }],
    });
    expect(bobCarol.state).toBe('confirmed');
    // Carol sees the dialog to replace: to-tag = her local tag, from-tag = her remote tag.
    expect(offered[1]!.replaces).toBe(carolAlice);
    // The target's TU hangs up the replaced dialog.
    await carolAlice.bye();
    expect(aliceCarol.state).toBe('terminated');
  });
});
