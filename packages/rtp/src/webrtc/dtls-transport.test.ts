import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { SrtpContext } from '../srtp/srtp-context.js';
import type { CertificateFingerprint } from '../sdp/types.js';
import { type DtlsCertificate, DtlsTransport, createDtlsCertificate } from './dtls-transport.js';
import { splitDtlsSrtpKeyingMaterial } from './dtls-srtp-keys.js';
import { prepareSecureMedia } from './prepare-secure-media.js';
import { StunAttr, StunMethod, encodeStun, parseStun } from './stun-message.js';
import { classifyDatagram } from './secure-media-transport.js';

/** A minimal RTP packet (RFC 3550 §5.1): V=2, PT 0, SSRC 0x1234, 160 bytes of payload. */
function rtp(seq: number): Buffer {
  const p = Buffer.alloc(12 + 160, seq & 0xff);
  p[0] = 0x80;
  p[1] = 0;
  p.writeUInt16BE(seq, 2);
  p.writeUInt32BE(seq * 160, 4);
  p.writeUInt32BE(0x1234, 8);
  return p;
}

describe('DTLS-SRTP key export (RFC 5764 §4.2)', () => {
  it('splits client|server keys then salts; client local = server remote', () => {
    const m = Buffer.from(Array.from({ length: 60 }, (_, i) => i));
    const c = splitDtlsSrtpKeyingMaterial(m, 'AES_CM_128_HMAC_SHA1_80', 'client');
    const s = splitDtlsSrtpKeyingMaterial(m, 'AES_CM_128_HMAC_SHA1_80', 'server');
    expect(c.localKey).toEqual(Buffer.concat([m.subarray(0, 16), m.subarray(32, 46)]));
    expect(c.remoteKey).toEqual(Buffer.concat([m.subarray(16, 32), m.subarray(46, 60)]));
    expect(s.localKey).toEqual(c.remoteKey);
    expect(() => splitDtlsSrtpKeyingMaterial(m.subarray(1), 'AES_CM_128_HMAC_SHA1_80', 'client')).toThrow(
      RangeError,
    );
  });

  it('RFC 7983 demultiplexing by first byte', () => {
    expect(classifyDatagram(Buffer.from([0]))).toBe('stun');
    expect(classifyDatagram(Buffer.from([22]))).toBe('dtls');
    expect(classifyDatagram(Buffer.from([0x80]))).toBe('rtp');
    expect(classifyDatagram(Buffer.from([70]))).toBe('other');
    expect(classifyDatagram(Buffer.alloc(0))).toBe('other');
  });
});

/** Client and server wired back to back with asynchronous delivery, as on a real network. */
function pair(
  clientCert: DtlsCertificate,
  clientExpects: CertificateFingerprint,
  serverCert: DtlsCertificate,
  serverExpects: CertificateFingerprint,
): { client: DtlsTransport; server: DtlsTransport } {
  const peers: { client?: DtlsTransport; server?: DtlsTransport } = {};
  peers.client = new DtlsTransport({
    role: 'client',
    certificate: clientCert,
    remoteFingerprint: clientExpects,
    send: (d) => setImmediate(() => peers.server?.handleRecord(d)),
  });
  peers.server = new DtlsTransport({
    role: 'server',
    certificate: serverCert,
    remoteFingerprint: serverExpects,
    send: (d) => setImmediate(() => peers.client?.handleRecord(d)),
  });
  return { client: peers.client, server: peers.server };
}

describe('DTLS handshake between two werift endpoints', () => {
  it('in memory: keys agree and OUR SrtpContext protects on one end, unprotects on the other', async () => {
    const [certA, certB] = await Promise.all([createDtlsCertificate(), createDtlsCertificate()]);
    const { client, server } = pair(certA, certB.fingerprint, certB, certA.fingerprint);
    const [kc, ks] = await Promise.all([client.start(), server.start()]);
    expect(kc.suite).toBe(ks.suite);
    expect(kc.localKey).toEqual(ks.remoteKey);
    expect(kc.remoteKey).toEqual(ks.localKey);
    expect(kc.localKey).not.toEqual(kc.remoteKey);
    const tx = new SrtpContext({ suite: kc.suite, keyAndSalt: kc.localKey });
    const rx = new SrtpContext({ suite: ks.suite, keyAndSalt: ks.remoteKey });
    const plain = rtp(1);
    const protectedPkt = tx.protect(plain);
    expect(protectedPkt).not.toEqual(plain);
    expect(rx.unprotect(protectedPkt)).toEqual({ ok: true, packet: plain });
    client.close();
    server.close();
  }, 20000);

  it('hostile DTLS-range datagrams never throw', async () => {
    const cert = await createDtlsCertificate();
    const t = new DtlsTransport({
      role: 'server',
      certificate: cert,
      remoteFingerprint: cert.fingerprint,
      send: () => undefined,
    });
    void t.start().catch(() => undefined);
    for (let i = 0; i < 500; i++) {
      const b = Buffer.alloc(1 + (i % 120));
      for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) & 0xff;
      b[0] = 20 + (i % 44);
      expect(() => t.handleRecord(b)).not.toThrow();
    }
    await new Promise((r) => setImmediate(r));
    t.close();
  });

  it('a certificate that does not match a=fingerprint is refused (RFC 5763 §5)', async () => {
    const [certA, certB, other] = await Promise.all([
      createDtlsCertificate(),
      createDtlsCertificate(),
      createDtlsCertificate(),
    ]);
    const { client, server } = pair(certA, other.fingerprint, certB, certA.fingerprint);
    void server.start().catch(() => undefined);
    await expect(client.start()).rejects.toThrow(/fingerprint/);
    client.close();
    server.close();
  }, 20000);
});

describe('prepareSecureMedia over loopback UDP', () => {
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

  it('answers an actpass offer, answers the ICE check, completes DTLS as client, SRTP flows', async () => {
    const [ours, theirs] = await Promise.all([bind(), bind()]);
    const theirCert = await createDtlsCertificate();
    const theirPort = theirs.address().port;
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'a=ice-ufrag:peer',
      'a=ice-pwd:peerpassword0123456789',
      `a=fingerprint:sha-256 ${theirCert.fingerprint.value}`,
      'a=setup:actpass',
      `m=audio ${theirPort} UDP/TLS/RTP/SAVPF 0`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtcp-mux',
      'a=rtcp-rsize',
      `a=candidate:1 1 UDP 2130706431 127.0.0.1 ${theirPort} typ host`,
      '',
    ].join('\r\n');
    const r = await prepareSecureMedia(offer, ours, {
      local: { address: '127.0.0.1', port: ours.address().port, codecs: ['PCMU'] },
    });
    if (!r.ok) throw new Error(r.reason);
    expect(r.media.dtls?.role).toBe('client');
    const ufrag = /a=ice-ufrag:(\S+)/.exec(r.answerSdp)![1]!;
    const pwd = /a=ice-pwd:(\S+)/.exec(r.answerSdp)![1]!;

    // The offerer: ICE check with USE-CANDIDATE, then DTLS server on its socket.
    const stunResponses: Buffer[] = [];
    const received: Buffer[] = [];
    const server = new DtlsTransport({
      role: 'server',
      certificate: theirCert,
      remoteFingerprint: {
        algorithm: 'sha-256',
        value: /a=fingerprint:sha-256 (\S+)/.exec(r.answerSdp)![1]!,
      },
      send: (d) => theirs.send(d, ours.address().port, '127.0.0.1'),
    });
    theirs.on('message', (m) => {
      const c = classifyDatagram(m);
      if (c === 'stun') stunResponses.push(m);
      else if (c === 'dtls') server.handleRecord(m);
      else received.push(m);
    });
    const check = encodeStun(
      {
        method: StunMethod.BINDING,
        cls: 'request',
        transactionId: Buffer.alloc(12, 3),
        attributes: [
          { type: StunAttr.USERNAME, value: Buffer.from(`${ufrag}:peer`) },
          { type: StunAttr.ICE_CONTROLLING, value: Buffer.alloc(8, 1) },
          { type: StunAttr.USE_CANDIDATE, value: Buffer.alloc(0) },
        ],
      },
      { integrityKey: Buffer.from(pwd), fingerprint: true },
    );
    theirs.send(check, ours.address().port, '127.0.0.1');
    const [ourKeys, theirKeys] = await Promise.all([r.ready, server.start()]);
    expect(parseStun(stunResponses[0]!)?.cls).toBe('success');
    expect(ourKeys.localKey).toEqual(theirKeys.remoteKey);

    // RTP through the transport: our SRTP out, theirs back in.
    const tx = new SrtpContext({ suite: ourKeys.suite, keyAndSalt: ourKeys.localKey });
    r.transport.send(tx.protect(rtp(7)), theirPort, '127.0.0.1');
    const rtpIn = new Promise<Buffer>((resolve) => r.transport.on('message', (m) => resolve(m)));
    const theirTx = new SrtpContext({ suite: theirKeys.suite, keyAndSalt: theirKeys.localKey });
    theirs.send(theirTx.protect(rtp(9)), ours.address().port, '127.0.0.1');
    const back = await rtpIn;
    const ourRx = new SrtpContext({ suite: ourKeys.suite, keyAndSalt: ourKeys.remoteKey });
    expect(ourRx.unprotect(back)).toEqual({ ok: true, packet: rtp(9) });
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    const theirRx = new SrtpContext({ suite: theirKeys.suite, keyAndSalt: theirKeys.remoteKey });
    expect(theirRx.unprotect(received[0]!)).toEqual({ ok: true, packet: rtp(7) });
    server.close();
    r.close();
  }, 20000);
});
