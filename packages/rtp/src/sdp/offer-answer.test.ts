import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { answerOffer } from './sdp-answer.js';
import { applyAnswer, createOffer } from './sdp-offer.js';
import type { LocalMediaOptions } from './types.js';
import {
  ASTERISK_HOLD,
  ASTERISK_OFFER,
  BARESIP_OFFER,
  FREEPBX_OFFER,
  LINPHONE_OFFER,
  RFC2543_HOLD,
  SAVP_OFFER,
  THREECX_OFFER,
} from './fixtures/offers.js';

const fixedRandom = (n: number): Buffer => Buffer.alloc(n, 7);
const local: LocalMediaOptions = {
  address: '10.0.0.2',
  port: 40000,
  codecs: ['opus', 'PCMU', 'PCMA'],
  sessionId: '4242',
  sessionVersion: 1,
  randomBytes: fixedRandom,
};

function ok(r: ReturnType<typeof answerOffer>): Extract<ReturnType<typeof answerOffer>, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${r.status} ${r.reason}`);
  return r;
}

describe('answerOffer', () => {
  it('Asterisk: PCMU + telephone-event/8000, a=rtcp port, ptime', () => {
    const r = ok(answerOffer(ASTERISK_OFFER, local));
    expect(r.media).toMatchObject({
      remoteAddress: '192.0.2.10',
      remotePort: 10000,
      remoteRtcpPort: 10001,
      rtcpMux: false,
      payloadType: 0,
      codec: { name: 'PCMU', clockRate: 8000, channels: 1, sampleRate: 8000 },
      dtmfPayloadType: 101,
      dtmfClockRate: 8000,
      ptimeMs: 20,
      direction: 'sendrecv',
      hold: false,
    });
    const a = parse(r.sdp);
    expect(a.origin).toMatchObject({ sessionId: 4242, sessionVersion: 1, address: '10.0.0.2' });
    expect(a.media).toHaveLength(1);
    expect(a.media[0]).toMatchObject({
      port: 40000,
      protocol: 'RTP/AVP',
      payloads: '0 101',
      direction: 'sendrecv',
    });
    expect(a.media[0]!.fmtp).toEqual([{ payload: 101, config: '0-16' }]);
    expect(r.sdp).toContain('c=IN IP4 10.0.0.2\r\n');
  });

  it('FreePBX: static PTs without rtpmap; our preference wins over theirs', () => {
    const r = ok(answerOffer(FREEPBX_OFFER, { ...local, codecs: ['PCMU', 'PCMA'] }));
    expect(r.media.payloadType).toBe(0);
    expect(r.media.remoteRtcpPort).toBe(16385);
    const r2 = ok(answerOffer(FREEPBX_OFFER, { ...local, codecs: ['pcma'] }));
    expect(r2.media.codec.name).toBe('PCMA');
  });

  it('3CX: media-level c= overrides session c=, G729 skipped, G722 accepted (16 kHz on an 8 kHz clock)', () => {
    const r = ok(answerOffer(THREECX_OFFER, { ...local, codecs: ['G729', 'PCMU'] }));
    expect(r.media.remoteAddress).toBe('203.0.113.6');
    expect(r.media.codec.name).toBe('PCMU');
    expect(r.media.dtmfPayloadType).toBe(101);
    const hd = ok(answerOffer(THREECX_OFFER, { ...local, codecs: ['g722', 'PCMU'] }));
    expect(hd.media.payloadType).toBe(9);
    expect(hd.media.codec).toEqual({ name: 'G722', clockRate: 8000, channels: 1, sampleRate: 16000 });
    expect(hd.sdp).toContain('a=rtpmap:9 G722/8000');
    expect(hd.media.dtmfClockRate).toBe(8000);
  });

  it('baresip: opus/48000/2 with telephone-event/48000, rtcp-mux accepted, remote fmtp passed on', () => {
    const r = ok(answerOffer(BARESIP_OFFER, local));
    expect(r.media.payloadType).toBe(96);
    expect(r.media.codec).toEqual({ name: 'opus', clockRate: 48000, channels: 2, sampleRate: 16000 });
    expect(r.media.fmtp).toMatchObject({ maxaveragebitrate: 28000, useinbandfec: 1, stereo: 1 });
    expect(r.media.dtmfPayloadType).toBe(101);
    expect(r.media.dtmfClockRate).toBe(48000);
    expect(r.media.rtcpMux).toBe(true);
    expect(r.media.remoteRtcpPort).toBe(10126);
    expect(r.sdp).toContain('a=rtpmap:96 opus/48000/2');
    expect(r.sdp).toContain('a=fmtp:96 maxplaybackrate=16000;sprop-maxcapturerate=16000');
    expect(r.sdp).toContain('a=rtcp-mux');
    const noMux = ok(answerOffer(BARESIP_OFFER, { ...local, rtcpMux: false }));
    expect(noMux.media.rtcpMux).toBe(false);
    expect(noMux.sdp).not.toContain('rtcp-mux');
    expect(noMux.media.remoteRtcpPort).toBe(10127);
  });

  it('baresip with G.711 preference picks telephone-event/8000', () => {
    const r = ok(answerOffer(BARESIP_OFFER, { ...local, codecs: ['PCMA'] }));
    expect(r.media.payloadType).toBe(8);
    expect(r.media.dtmfPayloadType).toBe(102);
    expect(r.media.dtmfClockRate).toBe(8000);
  });

  it('Linphone: audio accepted, video rejected with port 0, m-line count kept', () => {
    const r = ok(answerOffer(LINPHONE_OFFER, local));
    expect(r.media.codec.name).toBe('opus');
    expect(r.media.dtmfPayloadType).toBe(101);
    const a = parse(r.sdp);
    expect(a.media).toHaveLength(2);
    expect(a.media[1]).toMatchObject({ type: 'video', port: 0, protocol: 'RTP/AVP' });
  });

  it('dtmf: false answers without telephone-event', () => {
    const r = ok(answerOffer(ASTERISK_OFFER, { ...local, dtmf: false }));
    expect(r.media.dtmfPayloadType).toBeUndefined();
    expect(r.sdp).not.toContain('telephone-event');
  });

  it('hold (sendonly) -> recvonly; resume -> sendrecv; RFC 2543 c=0.0.0.0 -> hold', () => {
    const held = ok(answerOffer(ASTERISK_HOLD, { ...local, sessionVersion: 2 }));
    expect(held.media.hold).toBe(true);
    expect(held.media.direction).toBe('recvonly');
    expect(held.sdp).toContain('a=recvonly');
    expect(held.sdp).toContain('o=- 4242 2 IN IP4');
    const resumed = ok(answerOffer(ASTERISK_OFFER, { ...local, sessionVersion: 3 }));
    expect(resumed.media.hold).toBe(false);
    expect(resumed.media.direction).toBe('sendrecv');
    const old = ok(answerOffer(RFC2543_HOLD, local));
    expect(old.media.hold).toBe(true);
    expect(old.media.direction).toBe('recvonly');
    const inactive = ok(answerOffer(ASTERISK_OFFER.replace('a=sendrecv', 'a=inactive'), local));
    expect(inactive.media.direction).toBe('inactive');
    // We hold them: our sendonly against their sendrecv.
    const weHold = ok(answerOffer(ASTERISK_OFFER, { ...local, direction: 'sendonly' }));
    expect(weHold.media.direction).toBe('sendonly');
    expect(weHold.media.hold).toBe(false);
  });

  it('honours the remote ptime when the codec allows it', () => {
    const r = ok(answerOffer(ASTERISK_OFFER.replace('a=ptime:20', 'a=ptime:30'), local));
    expect(r.media.ptimeMs).toBe(30);
    expect(r.sdp).toContain('a=ptime:30');
  });

  it('SAVP with crypto: picks the first supported suite, answers with our key and its tag', () => {
    const r = ok(answerOffer(SAVP_OFFER, { ...local, srtp: 'optional' }));
    expect(r.media.crypto).toEqual({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      tag: 2,
      remoteKeyBase64: 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR',
      localKeyBase64: Buffer.alloc(30, 7).toString('base64'),
    });
    expect(r.sdp).toContain('m=audio 40000 RTP/SAVP 0 101');
    expect(r.sdp).toContain(
      `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${Buffer.alloc(30, 7).toString('base64')}`,
    );
    expect(ok(answerOffer(SAVP_OFFER, { ...local, srtp: 'mandatory' })).media.crypto?.tag).toBe(2);
  });

  it('SRTP policy: off refuses SAVP, mandatory refuses AVP, optional accepts AVP without crypto', () => {
    expect(answerOffer(SAVP_OFFER, local)).toMatchObject({ ok: false, status: 488 });
    expect(answerOffer(ASTERISK_OFFER, { ...local, srtp: 'mandatory' })).toMatchObject({
      ok: false,
      status: 488,
    });
    const r = ok(answerOffer(ASTERISK_OFFER, { ...local, srtp: 'optional' }));
    expect(r.media.crypto).toBeUndefined();
    const noSuite = SAVP_OFFER.split('\r\n')
      .filter((l) => !l.includes('AES_CM_128'))
      .join('\r\n');
    expect(answerOffer(noSuite, { ...local, srtp: 'mandatory' })).toMatchObject({ ok: false, status: 488 });
  });

  it('488 when no codec is common; 400 when malformed', () => {
    expect(answerOffer(ASTERISK_OFFER, { ...local, codecs: ['G729'] })).toMatchObject({
      ok: false,
      status: 488,
    });
    const videoOnly = LINPHONE_OFFER.replace('m=audio 7078', 'm=audio 0');
    expect(answerOffer(videoOnly, local)).toMatchObject({ ok: false, status: 488 });
    for (const bad of [
      '',
      'hello',
      'v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n', // no c=
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 999.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n',
    ]) {
      expect(answerOffer(bad, local)).toMatchObject({ ok: false, status: 400 });
    }
  });

  it('accepts LF-only line endings and IPv6', () => {
    const v6 = ASTERISK_OFFER.replace(/IN IP4 192.0.2.10/g, 'IN IP6 2001:db8::10').replace(/\r\n/g, '\n');
    const r = ok(answerOffer(v6, { ...local, address: '2001:db8::2' }));
    expect(r.media.remoteAddress).toBe('2001:db8::10');
    expect(r.sdp).toContain('c=IN IP6 2001:db8::2');
  });
});

describe('createOffer / applyAnswer', () => {
  it('offers codecs in order with telephone-event per clock rate', () => {
    const { sdp, state } = createOffer(local);
    const o = parse(sdp);
    expect(o.media[0]).toMatchObject({
      port: 40000,
      protocol: 'RTP/AVP',
      payloads: '111 0 8 110 101',
      ptime: 20,
    });
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2');
    expect(sdp).toContain('a=rtpmap:110 telephone-event/48000');
    expect(sdp).toContain('a=rtpmap:101 telephone-event/8000');
    expect(sdp).not.toContain('rtcp-mux');
    expect(state.protocol).toBe('RTP/AVP');
  });

  it('round-trips against our own answerer (opus)', () => {
    const { sdp, state } = createOffer({ ...local, rtcpMux: true });
    const answer = ok(
      answerOffer(sdp, { ...local, address: '10.0.0.3', port: 50000, codecs: ['PCMU', 'opus'] }),
    );
    expect(answer.media.codec.name).toBe('PCMU');
    const r = ok(applyAnswer(state, answer.sdp));
    expect(r.media).toMatchObject({
      remoteAddress: '10.0.0.3',
      remotePort: 50000,
      rtcpMux: true,
      remoteRtcpPort: 50000,
      payloadType: 0,
      dtmfPayloadType: 101,
      dtmfClockRate: 8000,
      direction: 'sendrecv',
      hold: false,
    });
    expect(r.sdp).toBe(sdp);
  });

  it('SRTP mandatory: offers two suites and applies the chosen tag', () => {
    let n = 0;
    const counter = (len: number): Buffer => Buffer.alloc(len, ++n);
    const { sdp, state } = createOffer({ ...local, srtp: 'mandatory', randomBytes: counter });
    expect(sdp).toContain('m=audio 40000 RTP/SAVP');
    expect(sdp).toContain('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:');
    expect(sdp).toContain('a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:');
    const answer = ok(
      answerOffer(sdp, { ...local, srtp: 'mandatory', randomBytes: () => Buffer.alloc(30, 9) }),
    );
    const r = ok(applyAnswer(state, answer.sdp));
    expect(r.media.crypto).toEqual({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      tag: 1,
      localKeyBase64: state.crypto[0]!.keyBase64,
      remoteKeyBase64: Buffer.alloc(30, 9).toString('base64'),
    });
    expect(answer.media.crypto?.remoteKeyBase64).toBe(state.crypto[0]!.keyBase64);
  });

  it('hold re-offer: sendonly offer answered recvonly', () => {
    const { sdp, state } = createOffer({ ...local, direction: 'sendonly', sessionVersion: 2 });
    expect(sdp).toContain('o=- 4242 2 IN IP4 10.0.0.2');
    const answer = ok(answerOffer(sdp, local));
    expect(answer.media.hold).toBe(true);
    expect(answer.media.direction).toBe('recvonly');
    const r = ok(applyAnswer(state, answer.sdp));
    expect(r.media.direction).toBe('sendonly');
    expect(r.media.hold).toBe(false);
  });

  it('rejects bad answers', () => {
    const { state } = createOffer(local);
    expect(applyAnswer(state, 'junk')).toMatchObject({ ok: false, status: 400 });
    expect(applyAnswer(state, ASTERISK_OFFER.replace('m=audio 10000', 'm=audio 0'))).toMatchObject({
      ok: false,
      status: 488,
    });
    expect(applyAnswer(state, SAVP_OFFER)).toMatchObject({ ok: false, status: 488 });
    expect(applyAnswer(state, LINPHONE_OFFER)).toMatchObject({ ok: false, status: 400 });
    const g729 = ASTERISK_OFFER.replace('RTP/AVP 0 8 3 111 101', 'RTP/AVP 18');
    expect(applyAnswer(state, g729)).toMatchObject({ ok: false, status: 488 });
  });
});
