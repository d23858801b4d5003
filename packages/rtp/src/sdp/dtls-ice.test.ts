import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { answerOffer } from './sdp-answer.js';
import { answerSetup, normaliseFingerprint, offersDtlsSrtp } from './dtls-ice.js';
import type { LocalMediaOptions } from './types.js';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';
const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

/** Shape of baresip 1.0.0's `mediaenc=dtls_srtp` + `medianat=ice` offer (PEERS.md). */
const BARESIP_DTLS_OFFER = crlf([
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.2',
  's=-',
  'c=IN IP4 127.0.0.2',
  't=0 0',
  'a=ice-ufrag:AbCd',
  'a=ice-pwd:0123456789abcdef012345',
  `a=fingerprint:sha-256 ${FP}`,
  'a=setup:actpass',
  'm=audio 10000 UDP/TLS/RTP/SAVPF 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp-fb:* nack',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=candidate:1 1 UDP 2113932031 127.0.0.2 10000 typ host',
  'a=candidate:2 1 UDP 16777215 127.0.0.1 49152 typ relay raddr 127.0.0.2 rport 10000',
  'a=candidate:3 1 TCP 2113932031 127.0.0.2 9 typ host',
  'a=sendrecv',
]);

const OUR_FP = { algorithm: 'sha-256', value: FP.replace(/AB/g, '11') };
const local: LocalMediaOptions = {
  address: '127.0.0.2',
  port: 40000,
  codecs: ['PCMU'],
  sessionId: '1',
  randomBytes: (n) => Buffer.alloc(n, 1),
  dtls: { fingerprint: OUR_FP },
  ice: {
    ufrag: 'wxyz',
    pwd: 'ZYXWVUTSRQPONMLKJIHGFE',
    candidates: [
      {
        foundation: '1',
        component: 1,
        transport: 'udp',
        priority: 2130706431,
        address: '127.0.0.2',
        port: 40000,
        type: 'host',
      },
    ],
  },
};

describe('DTLS-SRTP / ICE offer-answer', () => {
  it('answers baresip: active setup (we are DTLS client), our fingerprint, ICE-lite, rtcp-mux, no feedback claimed', () => {
    const r = answerOffer(BARESIP_DTLS_OFFER, local);
    if (!r.ok) throw new Error(r.reason);
    expect(r.media.dtls).toEqual({ remoteFingerprint: { algorithm: 'sha-256', value: FP }, role: 'client' });
    expect(r.media.rtcpMux).toBe(true);
    expect(r.media.crypto).toBeUndefined();
    expect(r.media.ice).toMatchObject({
      remoteUfrag: 'AbCd',
      remotePwd: '0123456789abcdef012345',
      localUfrag: 'wxyz',
    });
    expect(r.media.ice?.remoteCandidates.map((c) => c.type)).toEqual(['host', 'relay']);
    expect(r.media.ice?.remoteCandidates[1]).toMatchObject({
      relatedAddress: '127.0.0.2',
      relatedPort: 10000,
    });
    const a = parse(r.sdp);
    expect(a.icelite).toBe('ice-lite');
    const m = a.media[0]!;
    expect(m.protocol).toBe('UDP/TLS/RTP/SAVPF');
    expect(m.setup).toBe('active');
    expect(m.fingerprint).toEqual({ type: 'sha-256', hash: OUR_FP.value });
    expect(m.iceUfrag).toBe('wxyz');
    expect(m.candidates?.[0]).toMatchObject({ ip: '127.0.0.2', port: 40000, type: 'host' });
    expect(m.rtcpMux).toBe('rtcp-mux');
    expect(m.rtcpRsize).toBeUndefined();
    expect(m.rtcpFb).toBeUndefined();
    expect(m.crypto).toBeUndefined();
  });

  it('offer setup active -> we answer passive and are the DTLS server', () => {
    const r = answerOffer(BARESIP_DTLS_OFFER.replace('setup:actpass', 'setup:active'), local);
    if (!r.ok) throw new Error(r.reason);
    expect(r.media.dtls?.role).toBe('server');
    expect(parse(r.sdp).media[0]!.setup).toBe('passive');
  });

  it('without local.dtls a DTLS offer is still refused with 488 (plain/SDES callers unchanged)', () => {
    const { dtls: _d, ice: _i, ...plain } = local;
    const r = answerOffer(BARESIP_DTLS_OFFER, plain);
    expect(r).toMatchObject({ ok: false, status: 488 });
  });

  it('refuses a DTLS offer without fingerprint or with holdconn', () => {
    const noFp = BARESIP_DTLS_OFFER.replace(/a=fingerprint:.*\r\n/, '');
    expect(answerOffer(noFp, local)).toMatchObject({ ok: false, status: 488 });
    const hold = BARESIP_DTLS_OFFER.replace('setup:actpass', 'setup:holdconn');
    expect(answerOffer(hold, local)).toMatchObject({ ok: false, status: 488 });
  });

  it('no ICE in the offer -> no ICE attributes in the answer (RFC 8839)', () => {
    const noIce = BARESIP_DTLS_OFFER.replace(/a=ice-.*\r\n/g, '').replace(/a=candidate:.*\r\n/g, '');
    const r = answerOffer(noIce, local);
    if (!r.ok) throw new Error(r.reason);
    expect(r.media.ice).toBeUndefined();
    const a = parse(r.sdp);
    expect(a.icelite).toBeUndefined();
    expect(a.media[0]!.iceUfrag).toBeUndefined();
  });

  it('plain RTP/AVP offers ignore the DTLS/ICE options', () => {
    const avp = BARESIP_DTLS_OFFER.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP');
    const r = answerOffer(avp, local);
    if (!r.ok) throw new Error(r.reason);
    expect(r.media.dtls).toBeUndefined();
    expect(parse(r.sdp).media[0]!.fingerprint).toBeUndefined();
  });

  it('offersDtlsSrtp routes only audio over UDP/TLS/RTP/SAVP(F)', () => {
    expect(offersDtlsSrtp(BARESIP_DTLS_OFFER)).toBe(true);
    expect(offersDtlsSrtp(BARESIP_DTLS_OFFER.replace('UDP/TLS/RTP/SAVPF', 'RTP/SAVP'))).toBe(false);
    expect(offersDtlsSrtp(BARESIP_DTLS_OFFER.replace('m=audio 10000', 'm=audio 0'))).toBe(false);
    expect(offersDtlsSrtp('')).toBe(false);
  });

  it('setup and fingerprint helpers', () => {
    expect(answerSetup(undefined)).toEqual({ setup: 'active', role: 'client' });
    expect(answerSetup('passive')).toEqual({ setup: 'active', role: 'client' });
    expect(answerSetup('bogus')).toBeUndefined();
    expect(normaliseFingerprint('SHA-256', FP.toLowerCase())).toEqual({ algorithm: 'sha-256', value: FP });
    expect(normaliseFingerprint('md5', FP)).toBeUndefined();
    expect(normaliseFingerprint('sha-256', 'zz')).toBeUndefined();
  });
});
