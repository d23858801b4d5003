import { createSocket, type Socket } from 'node:dgram';
import { parse } from 'sdp-transform';
import { afterEach, describe, expect, it } from 'vitest';
import { SrtpContext } from '../srtp/srtp-context.js';
import { applyAnswer, createOffer } from '../sdp/sdp-offer.js';
import { prepareSecureMedia } from './prepare-secure-media.js';
import { createSecureOffer } from './secure-offer.js';

const FP = { algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') };

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(12 + 160, seq & 0xff);
  p[0] = 0x80;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(0x5678, 8);
  return p;
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
      const [ka, kb] = await Promise.all([offered.ready, answered.ready]);
      expect(ka.localKey).toEqual(kb.remoteKey);
      const inA = new Promise<Buffer>((resolve) => offered.transport.on('message', (m) => resolve(m)));
      const inB = new Promise<Buffer>((resolve) => answered.transport.on('message', (m) => resolve(m)));
      offered.transport.send(
        new SrtpContext({ suite: ka.suite, keyAndSalt: ka.localKey }).protect(rtp(1)),
        b.address().port,
        '127.0.0.1',
      );
      answered.transport.send(
        new SrtpContext({ suite: kb.suite, keyAndSalt: kb.localKey }).protect(rtp(2)),
        a.address().port,
        '127.0.0.1',
      );
      expect(new SrtpContext({ suite: kb.suite, keyAndSalt: kb.remoteKey }).unprotect(await inB)).toEqual({
        ok: true,
        packet: rtp(1),
      });
      expect(new SrtpContext({ suite: ka.suite, keyAndSalt: ka.remoteKey }).unprotect(await inA)).toEqual({
        ok: true,
        packet: rtp(2),
      });
      offered.close();
      answered.close();
    }, 20000);
  });
});
