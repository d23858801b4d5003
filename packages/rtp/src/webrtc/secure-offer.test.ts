import { createSocket, type Socket } from 'node:dgram';
import { parse } from 'sdp-transform';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNetwork } from '../testing/fake-socket.js';
import { fakeTurnServer } from '../testing/fake-turn-server.js';
import { SrtpContext } from '../srtp/srtp-context.js';
import { applyAnswer, createOffer } from '../sdp/sdp-offer.js';
import { prepareSecureMedia } from './prepare-secure-media.js';
import type { DtlsSrtpKeys } from './dtls-srtp-keys.js';
import type { SecureMediaTransport } from './secure-media-transport.js';
import { createSecureOffer } from './secure-offer.js';
import { StunAttr, StunMethod, getAttribute } from './stun-message.js';

const FP = { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') };

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(12 + 160, seq & 0xff);
  p[0] = 0x80;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(0x5678, 8);
  return p;
}

type Keyed = { transport: SecureMediaTransport; ready: Promise<DtlsSrtpKeys> };

/**
 * Waits for both ends' keys, then sends one SRTP packet each way (`offered` to `toAnswerer`,
 * `answered` to `toOfferer`) and expects each to authenticate and decrypt at the other end.
 */
async function expectSrtpBothWays(
  offered: Keyed,
  answered: Keyed,
  toAnswerer: { address: string; port: number },
  toOfferer: { address: string; port: number },
): Promise<void> {
  const [ka, kb] = await Promise.all([offered.ready, answered.ready]);
  expect(ka.localKey).toEqual(kb.remoteKey);
  const inA = new Promise<Buffer>((resolve) => offered.transport.on('message', (d) => resolve(d)));
  const inB = new Promise<Buffer>((resolve) => answered.transport.on('message', (d) => resolve(d)));
  const protect = (k: DtlsSrtpKeys, p: Buffer): Buffer =>
    new SrtpContext({ suite: k.suite, keyAndSalt: k.localKey }).protect(p);
  offered.transport.send(protect(ka, rtp(1)), toAnswerer.port, toAnswerer.address);
  answered.transport.send(protect(kb, rtp(2)), toOfferer.port, toOfferer.address);
  const unprotect = (k: DtlsSrtpKeys, p: Buffer): unknown =>
    new SrtpContext({ suite: k.suite, keyAndSalt: k.remoteKey }).unprotect(p);
  expect(unprotect(kb, await inB)).toEqual({ ok: true, packet: rtp(1) });
  expect(unprotect(ka, await inA)).toEqual({ ok: true, packet: rtp(2) });
}

describe('DTLS-SRTP offers (RFC 5763 §5)', () => {
  it('createOffer with dtls: UDP/TLS/RTP/SAVPF, actpass, fingerprint, rtcp-mux, no crypto; answer setup decides the role', () => {
    const { sdp, state } = createOffer({
      address: '127.0.0.1',
      port: 4000,
      codecs: ['PCMU'],
      srtp: 'mandatory',
      dtls: { fingerprint: FP },
    });
    const m = parse(sdp).media[0]!;
    expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
    expect(m.setup).toBe('actpass');
    expect(m.fingerprint?.hash).toBe(FP.value);
    expect(m.rtcpMux).toBe('rtcp-mux');
    expect(m.crypto).toBeUndefined();
    const answer = (setup: string): string =>
      [
        'v=0',
        'o=- 1 1 IN IP4 127.0.0.1',
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=audio 5000 UDP/TLS/RTP/SAVPF 0',
        `a=fingerprint:sha-256 ${FP.value}`,
        `a=setup:${setup}`,
        'a=rtcp-mux',
        '',
      ].join('\r\n');
    const active = applyAnswer(state, answer('active'));
    expect(active.ok && active.media.dtls?.role).toBe('server');
    expect(active.ok && active.media.rtcpMux).toBe(true);
    const passive = applyAnswer(state, answer('passive'));
    expect(passive.ok && passive.media.dtls?.role).toBe('client');
    expect(applyAnswer(state, answer('actpass'))).toMatchObject({ ok: false, status: 488 });
  });

  describe('our offer answered by our answerer over loopback UDP', () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const s of sockets.splice(0)) s.close();
    });
    const bind = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        sockets.push(s);
        s.bind(0, '127.0.0.1', () => resolve(s));
      });

    it('both ICE-lite (no checks, default candidates), DTLS completes, SRTP crosses both ways', async () => {
      const [a, b] = await Promise.all([bind(), bind()]);
      const offer = await createSecureOffer(a, {
        address: '127.0.0.1',
        port: a.address().port,
        codecs: ['PCMU'],
      });
      const answered = await prepareSecureMedia(offer.offerSdp, b, {
        local: { address: '127.0.0.1', port: b.address().port, codecs: ['PCMU'] },
      });
      if (!answered.ok) throw new Error(answered.reason);
      expect(answered.media.dtls?.role).toBe('client'); // we answer actpass with active
      const offered = offer.complete(answered.answerSdp);
      if (!offered.ok) throw new Error(offered.reason);
      expect(offered.media.dtls?.role).toBe('server');
      await expectSrtpBothWays(
        offered,
        answered,
        { address: '127.0.0.1', port: b.address().port },
        { address: '127.0.0.1', port: a.address().port },
      );
      offered.close();
      answered.close();
    }, 20000);
  });

  describe('candidates gathered as on the answering side (RFC 8445 §5.1.1)', () => {
    const TURN = { address: '192.0.2.9', port: 3478 };
    const RELAYED = { address: '192.0.2.9', port: 49152 };
    const turn = { uri: `turn:${TURN.address}:${TURN.port}`, username: 'va', password: 'vapass' };

    it('through a TURN relay: only the relayed candidate; permissions, then DTLS and SRTP cross the relay; close() releases it', async () => {
      const net = new FakeNetwork();
      const a = net.bind('10.0.0.5', 4000);
      const b = net.bind('10.0.0.7', 5000);
      const log = fakeTurnServer(net.bind(TURN.address, TURN.port), { relayed: RELAYED, network: net });
      const offer = await createSecureOffer(
        a,
        { address: '10.0.0.5', port: 4000, codecs: ['PCMU'] },
        { turn },
      );
      expect(offer.problems).toEqual([]);
      const sdp = parse(offer.offerSdp);
      const m = sdp.media[0]!;
      // RFC 8656: relay-only, so c= and the m-line port are the relayed address.
      expect(sdp.connection?.ip).toBe(RELAYED.address);
      expect(m.port).toBe(RELAYED.port);
      expect(m.candidates?.map((c) => `${c.type} ${c.ip}:${c.port}`)).toEqual([
        `relay ${RELAYED.address}:${RELAYED.port}`,
      ]);
      expect(offer.answerOptions.ice?.candidates.map((c) => c.type)).toEqual(['relay']);

      const answered = await prepareSecureMedia(offer.offerSdp, b, {
        local: { address: '10.0.0.7', port: 5000, codecs: ['PCMU'] },
      });
      if (!answered.ok) throw new Error(answered.reason);
      const offered = offer.complete(answered.answerSdp);
      if (!offered.ok) throw new Error(offered.reason);
      await expectSrtpBothWays(offered, answered, { address: '10.0.0.7', port: 5000 }, RELAYED);
      expect([...log.permissions]).toEqual(['10.0.0.7']); // RFC 8656 §9
      // Nothing of the call went to the answerer from our host socket: all of it crossed the relay.
      expect(net.log.filter((d) => d.from.port === 4000 && d.to.port === 5000)).toEqual([]);

      offered.close();
      answered.close();
      const last = log.requests.at(-1)!;
      expect(last.method).toBe(StunMethod.REFRESH); // RFC 8656 §7.3: LIFETIME 0 deletes the allocation
      expect(getAttribute(last, StunAttr.LIFETIME)?.readUInt32BE(0)).toBe(0);
      offer.close(); // idempotent
      expect(log.requests.at(-1)).toBe(last);
    }, 20000);

    it('an offer never answered releases its allocation on close(); a failed TURN server leaves the host candidate', async () => {
      const net = new FakeNetwork();
      const log = fakeTurnServer(net.bind(TURN.address, TURN.port), { relayed: RELAYED });
      const local = { address: '10.0.0.5', port: 4000, codecs: ['PCMU'] };
      const unanswered = await createSecureOffer(net.bind('10.0.0.5', 4000), local, { turn });
      expect(unanswered.relay?.relayedAddress).toEqual(RELAYED);
      unanswered.close();
      expect(log.requests.at(-1)?.method).toBe(StunMethod.REFRESH);

      const denied = await createSecureOffer(
        net.bind('10.0.0.5', 4002),
        { ...local, port: 4002 },
        {
          turn: { ...turn, password: 'wrong' },
          rtoMs: 1,
        },
      );
      expect(denied.relay).toBeUndefined();
      expect(denied.problems).toHaveLength(1);
      expect(parse(denied.offerSdp).media[0]!.candidates?.map((c) => `${c.type} ${c.ip}:${c.port}`)).toEqual([
        'host 10.0.0.5:4002',
      ]);
      denied.close();
    });
  });
});
