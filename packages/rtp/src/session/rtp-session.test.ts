import { describe, expect, it } from 'vitest';
import { createCodec } from '../codec/codec-registry.js';
import { parseRtpPacket, serializeRtpPacket } from '../packet/rtp-packet.js';
import type { RtpPacket } from '../packet/types.js';
import { FakeMediaClock } from '../testing/fake-media-clock.js';
import { FakeNetwork, type FakeSocket } from '../testing/fake-socket.js';
import { RtpSession } from './rtp-session.js';
import type { DtmfEvent, RtpSessionOptions } from './session-types.js';

const PCMU = { name: 'PCMU', clockRate: 8000, channels: 1, sampleRate: 8000 };

function codec() {
  const c = createCodec(PCMU);
  return { ...c, info: PCMU };
}

function tone(i: number): Int16Array {
  const pcm = new Int16Array(160);
  for (let n = 0; n < 160; n++)
    pcm[n] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (i * 160 + n)) / 8000));
  return pcm;
}

function setup(over: Partial<RtpSessionOptions> = {}) {
  const net = new FakeNetwork();
  const clock = new FakeMediaClock();
  const sa = net.bind('10.0.0.1', 4000);
  const sb = net.bind('10.0.0.2', 5000);
  const a = new RtpSession({
    sockets: { rtp: sa },
    remote: { address: '10.0.0.2', port: 5000 },
    payloadType: 0,
    codec: codec(),
    dtmfPayloadType: 101,
    clock,
  });
  const b = new RtpSession({
    sockets: { rtp: sb },
    remote: { address: '10.0.0.1', port: 4000 },
    payloadType: 0,
    codec: codec(),
    dtmfPayloadType: 101,
    clock,
    ...over,
  });
  const framesB: Int16Array[] = [];
  b.on('frame', (f) => framesB.push(f));
  a.start();
  b.start();
  return { net, clock, sa, sb, a, b, framesB };
}

function sentPackets(s: FakeSocket): RtpPacket[] {
  return s.sent.map((d) => {
    const r = parseRtpPacket(d.data);
    if (!r.ok) throw new Error(r.reason);
    return r.packet;
  });
}

describe('RtpSession', () => {
  it('paces frames one per 20 ms with consecutive seq/timestamps and a leading marker', () => {
    const { a, b, sa, clock, framesB } = setup();
    for (let i = 0; i < 50; i++) a.sendFrame(tone(i));
    expect(a.queuedFrames).toBe(50);
    clock.tick(10);
    expect(sa.sent).toHaveLength(10);
    clock.tick(60);
    const p = sentPackets(sa);
    expect(p).toHaveLength(50);
    expect(p[0]!.marker).toBe(true);
    expect(p.slice(1).every((x) => !x.marker)).toBe(true);
    for (let i = 1; i < 50; i++) {
      expect(p[i]!.sequenceNumber).toBe((p[0]!.sequenceNumber + i) & 0xffff);
      expect(p[i]!.timestamp).toBe((p[0]!.timestamp + i * 160) >>> 0);
      expect(p[i]!.ssrc).toBe(a.ssrc);
    }
    const played = framesB.filter((f) => f.some((v) => v !== 0));
    expect(played.length).toBeGreaterThanOrEqual(50);
    const s = b.stats();
    expect(s.packetsReceived).toBe(50);
    expect(s.lost).toBe(0);
    expect(s.mos).toBeGreaterThan(4.3);
    expect(a.stats().packetsSent).toBe(50);
    expect(a.stats().bytesSent).toBe(50 * 160);
  });

  it('delivers decoded audio close to the input', () => {
    const { a, clock, framesB } = setup();
    for (let i = 0; i < 20; i++) a.sendFrame(tone(i));
    clock.tick(30);
    const first = framesB.findIndex((f) => f.some((v) => v !== 0));
    const got = framesB[first + 3]!;
    const want = tone(3);
    const err = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
    expect(err).toBeLessThan(300); // G.711 quantisation
  });

  it('keeps the timestamp running through silence and marks the next talkspurt', () => {
    const { a, sa, clock } = setup();
    for (let i = 0; i < 5; i++) a.sendFrame(tone(i));
    clock.tick(15);
    for (let i = 0; i < 5; i++) a.sendFrame(tone(i));
    clock.tick(10);
    const p = sentPackets(sa);
    expect(p).toHaveLength(10);
    expect(p[5]!.marker).toBe(true);
    expect(p[5]!.sequenceNumber).toBe((p[4]!.sequenceNumber + 1) & 0xffff);
    expect((p[5]!.timestamp - p[4]!.timestamp) >>> 0).toBe(11 * 160);
  });

  it('re-frames 30 ms packets from a peer into 20 ms frames', () => {
    const { b, sb, clock, framesB } = setup();
    const enc = codec().encoder;
    for (let i = 0; i < 100; i++) {
      const pcm = new Int16Array(240).fill(i % 2 ? 3000 : -3000);
      const packet = serializeRtpPacket({
        ...parseOk(Buffer.alloc(12, 0x80)),
        sequenceNumber: 500 + i,
        timestamp: 7000 + i * 240,
        ssrc: 77,
        payloadType: 0,
        marker: i === 0,
        payload: enc.encode(pcm),
      });
      sb.receive(packet, { address: '10.0.0.1', port: 4000 });
      clock.advance(30);
    }
    clock.advance(400);
    const voiced = framesB.filter((f) => f.some((v) => Math.abs(v) > 2500));
    expect(framesB.every((f) => f.length === 160)).toBe(true);
    expect(voiced.length).toBeGreaterThanOrEqual(150);
    const jb = b.stats().jitterBuffer;
    expect(jb.packetDurationMs).toBe(30);
    expect(jb.played).toBe(100);
    expect(jb.lost).toBe(0);
  });

  it('runs a 30 ms ptime on a 10 ms clock', () => {
    const net = new FakeNetwork();
    const clock = new FakeMediaClock({ periodMs: 10 });
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const c30 = { ...createCodec({ ...PCMU, frameMs: 30 }), info: PCMU };
    const opts = { payloadType: 0, codec: c30, clock, ptimeMs: 30 };
    const a = new RtpSession({ ...opts, sockets: { rtp: sa }, remote: { address: '10.0.0.2', port: 5000 } });
    const b = new RtpSession({ ...opts, sockets: { rtp: sb }, remote: { address: '10.0.0.1', port: 4000 } });
    const frames: Int16Array[] = [];
    b.on('frame', (f) => frames.push(f));
    a.start();
    b.start();
    for (let i = 0; i < 20; i++) a.sendFrame(new Int16Array(240).fill(1000));
    clock.advance(1000);
    const p = sentPackets(sa);
    expect(p).toHaveLength(20);
    expect((p[1]!.timestamp - p[0]!.timestamp) >>> 0).toBe(240);
    expect(b.stats().jitterBuffer.played).toBe(20);
    expect(frames.every((f) => f.length === 240)).toBe(true);
    // The default shared clock also accepts 30 ms (its 10 ms variant).
    const d = new RtpSession({
      ...opts,
      clock: undefined,
      sockets: { rtp: sa },
      remote: { address: 'x', port: 1 },
    });
    d.close();
  });

  it('rebuilds a lost Opus packet from the next one’s in-band FEC (RFC 7587 §3.3)', () => {
    const net = new FakeNetwork();
    const clock = new FakeMediaClock();
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const OPUS = { name: 'opus', clockRate: 48000, channels: 2, sampleRate: 16000 };
    // a encodes for a receiver that asked for FEC (fmtp useinbandfec=1); b does not.
    const ca = { ...createCodec({ ...OPUS, fmtp: { useinbandfec: 1 } }), info: OPUS };
    const cb = { ...createCodec(OPUS), info: OPUS };
    const session = (rtp: FakeSocket, address: string, port: number, c: typeof ca): RtpSession =>
      new RtpSession({ sockets: { rtp }, remote: { address, port }, payloadType: 111, codec: c, clock });
    const a = session(sa, '10.0.0.2', 5000, ca);
    const b = session(sb, '10.0.0.1', 4000, cb);
    let count = 0;
    net.filter = (d) => (d.from.port === 4000 && ++count === 20 ? undefined : d.data); // drop one
    a.start();
    b.start();
    for (let i = 0; i < 50; i++) {
      a.sendFrame(
        Int16Array.from({ length: 320 }, (_, n) => {
          const t = i * 320 + n;
          return Math.round(6000 * Math.sin(t * 0.09) + 3000 * Math.sin(t * 0.31));
        }),
      );
    }
    clock.advance(1300);
    const s = b.stats();
    expect(s.fecDecodeAvailable).toBe(true);
    expect(s.jitterBuffer.fecRecovered).toBe(1);
    expect(s.jitterBuffer.lost).toBe(1);
    // Opus at 16 kHz is rated on the wideband scale; the FEC-repaired loss costs nothing.
    expect(s.rFactorScale).toBe('wideband');
    expect(s.rFactor).toBeGreaterThan(110);
    const g711 = setup();
    expect(g711.b.stats().fecDecodeAvailable).toBe(false);
    expect(g711.b.stats().rFactorScale).toBe('narrowband');
    a.close();
    b.close();
  });

  it('continuous: fills empty ticks with silence, one packet per ptime, never twice', () => {
    const { a, sa, clock } = setup();
    a.setContinuous(true);
    clock.advance(100); // nothing queued: 5 silence packets
    a.sendFrame(tone(0));
    a.sendFrame(tone(1));
    clock.advance(100); // 2 queued frames then 3 silence packets
    const p = sentPackets(sa);
    expect(p).toHaveLength(10);
    expect(p.filter((x) => x.marker)).toHaveLength(1); // one continuous stream
    for (let i = 1; i < p.length; i++) expect((p[i]!.timestamp - p[i - 1]!.timestamp) >>> 0).toBe(160);
    expect(p.filter((x) => x.payload.every((b) => b === 0xff))).toHaveLength(8); // mu-law silence
    expect(a.stats().silenceFillSent).toBe(8);
    a.setContinuous(false);
    clock.advance(100);
    expect(sa.sent).toHaveLength(10);
  });

  it('continuous option: DTMF replaces the fill, and the fill resumes after the event', () => {
    const { b, sb, clock } = setup({ continuous: true });
    expect(b.sendDtmf('5', 100)).toBe(true);
    clock.advance(400);
    const p = sentPackets(sb);
    expect(p).toHaveLength(20);
    const dtmf = p.filter((x) => x.payloadType === 101);
    expect(dtmf.length).toBeGreaterThanOrEqual(5);
    expect(p.filter((x) => x.payloadType === 0).length).toBe(20 - dtmf.length);
    expect(p.at(-1)!.payloadType).toBe(0);
  });

  it('clears the send queue on barge-in', () => {
    const { a, sa, clock } = setup();
    for (let i = 0; i < 100; i++) a.sendFrame(tone(i));
    clock.tick(5);
    a.clearSendQueue();
    expect(a.queuedFrames).toBe(0);
    clock.tick(5);
    expect(sa.sent).toHaveLength(5);
  });

  it('sends and receives RFC 4733 DTMF', () => {
    const { a, b, sa, clock } = setup();
    const got: DtmfEvent[] = [];
    b.on('dtmf', (d) => got.push(d));
    expect(a.sendDtmf('5', 100)).toBe(true);
    expect(a.sendDtmf('x')).toBe(false);
    clock.tick(10);
    const p = sentPackets(sa);
    expect(p).toHaveLength(7); // 5 updates (the last with E) + 2 end repeats
    expect(p.every((x) => x.payloadType === 101 && x.timestamp === p[0]!.timestamp)).toBe(true);
    expect(p.map((x) => x.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(p.map((x) => x.payload.readUInt16BE(2))).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(got).toEqual([{ digit: '5', durationMs: 100, source: 'rfc4733' }]);
  });

  it('plays an RFC 4733 event inside a talkspurt as a gap, not as loss', () => {
    const { a, b, clock, framesB } = setup();
    const got: DtmfEvent[] = [];
    b.on('dtmf', (d) => got.push(d));
    for (let i = 0; i < 20; i++) a.sendFrame(tone(i));
    clock.tick(10);
    a.sendDtmf('#', 100); // takes 7 slots; audio resumes afterwards
    clock.tick(40);
    const jb = b.stats().jitterBuffer;
    expect(got.map((d) => d.digit)).toEqual(['#']);
    expect(jb.played).toBe(20);
    expect(jb.lost).toBe(0);
    expect(b.stats().lost).toBe(0);
    expect(framesB.length).toBeGreaterThan(20);
  });

  it('detects in-band DTMF when no telephone-event was negotiated', () => {
    const { a, b, clock } = setup({ dtmfPayloadType: undefined });
    const got: DtmfEvent[] = [];
    b.on('dtmf', (d) => got.push(d));
    for (let i = 0; i < 8; i++) {
      const pcm = new Int16Array(160);
      for (let n = 0; n < 160; n++) {
        const t = (i * 160 + n) / 8000;
        pcm[n] = Math.round(6000 * (Math.sin(2 * Math.PI * 697 * t) + Math.sin(2 * Math.PI * 1209 * t)));
      }
      a.sendFrame(pcm);
    }
    clock.tick(20);
    expect(got).toEqual([{ digit: '1', durationMs: 0, source: 'inband' }]);
  });

  it('latches to the observed source address (symmetric RTP)', () => {
    const { a, b, sb, clock } = setup({ remote: { address: '10.0.0.1', port: 9999 } });
    const changes: unknown[] = [];
    b.on('remote-changed', (r) => changes.push(r));
    a.sendFrame(tone(0));
    clock.tick(1);
    expect(changes).toEqual([{ address: '10.0.0.1', port: 4000 }]);
    b.sendFrame(tone(0));
    clock.tick(1);
    expect(sb.sent[0]!.to).toEqual({ address: '10.0.0.1', port: 4000 });
    expect(a.stats().packetsReceived).toBe(1);
  });

  it('does not move to a foreign source while the latched one is active', () => {
    const { a, b, sb, clock } = setup();
    const changes: unknown[] = [];
    b.on('remote-changed', (r) => changes.push(r));
    a.sendFrame(tone(0));
    clock.tick(1);
    const evil = serializeRtpPacket({ ...parseOk(Buffer.alloc(12, 0x80)), ssrc: 42, payloadType: 0 });
    sb.receive(evil, { address: '6.6.6.6', port: 666 });
    expect(changes).toEqual([]);
    clock.tick(200);
    sb.receive(evil, { address: '6.6.6.6', port: 666 });
    expect(changes).toEqual([{ address: '6.6.6.6', port: 666 }]);
  });

  it('emits timeout once after mediaTimeoutMs without RTP', () => {
    const { b, clock } = setup({ mediaTimeoutMs: 1000 });
    let n = 0;
    b.on('timeout', () => n++);
    clock.advance(990);
    expect(n).toBe(0);
    clock.advance(40);
    expect(n).toBe(1);
    clock.advance(5000);
    expect(n).toBe(1);
  });

  it('restarts the media timeout when resuming from hold', () => {
    const { b, clock } = setup({ mediaTimeoutMs: 1000 });
    let n = 0;
    b.on('timeout', () => n++);
    b.setDirection('inactive');
    clock.advance(5000);
    expect(n).toBe(0);
    b.setDirection('sendrecv');
    clock.advance(900);
    expect(n).toBe(0);
    clock.advance(200);
    expect(n).toBe(1);
  });

  it('counts malformed and foreign payload types, never throws', () => {
    const { b, sb, clock } = setup();
    sb.receive(Buffer.from([1, 2, 3]), { address: '10.0.0.1', port: 4000 });
    sb.receive(Buffer.alloc(40, 0xff), { address: '10.0.0.1', port: 4000 });
    const cn = serializeRtpPacket({ ...parseOk(Buffer.alloc(13, 0x80)), payloadType: 13 });
    sb.receive(cn, { address: '10.0.0.1', port: 4000 });
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.alloc(12 + (i % 50), i & 0xff);
      junk[0] = 0x80;
      junk[1] = 0;
      sb.receive(junk, { address: '10.0.0.1', port: 4000 });
      if (i % 10 === 0) clock.tick(1);
    }
    const s = b.stats();
    expect(s.malformed).toBe(2);
    expect(s.ignored).toBe(1);
  });

  it('honours direction: recvonly sends nothing, inactive plays nothing', () => {
    const { a, b, sa, clock, framesB } = setup();
    a.setDirection('recvonly');
    a.sendFrame(tone(0));
    a.sendFrame(tone(1));
    clock.tick(5);
    expect(sa.sent).toHaveLength(0);
    expect(a.queuedFrames).toBe(0); // consumed at the paced rate, not encoded
    expect(a.stats().packetsSent).toBe(0);
    a.setDirection('sendrecv');
    b.setDirection('inactive');
    for (let i = 0; i < 10; i++) a.sendFrame(tone(i));
    clock.tick(20);
    expect(framesB).toHaveLength(0);
  });

  it('demultiplexes RTCP on the RTP port with rtcp-mux', () => {
    const { b, sb } = setup({ rtcpMux: true });
    sb.receive(Buffer.from('80c90001deadbeef', 'hex'), { address: '10.0.0.1', port: 4000 });
    expect(b.stats().rtcpReceived).toBe(1);
    expect(b.stats().malformed).toBe(0);
  });

  it('carries SRTP end to end and drops unauthenticated packets', () => {
    const k1 = Buffer.alloc(30, 1);
    const k2 = Buffer.alloc(30, 2);
    const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
    const net = new FakeNetwork();
    const clock = new FakeMediaClock();
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const mk = (rtp: FakeSocket, port: number, localKey: Buffer, remoteKey: Buffer) =>
      new RtpSession({
        sockets: { rtp },
        remote: { address: port === 5000 ? '10.0.0.2' : '10.0.0.1', port },
        payloadType: 0,
        codec: codec(),
        clock,
        srtp: { suite, localKey, remoteKey },
      });
    const a = mk(sa, 5000, k1, k2);
    const b = mk(sb, 4000, k2, k1);
    const frames: Int16Array[] = [];
    b.on('frame', (f) => frames.push(f));
    a.start();
    b.start();
    for (let i = 0; i < 10; i++) a.sendFrame(tone(i));
    clock.tick(20);
    expect(sa.sent[0]!.data.length).toBe(12 + 160 + 10);
    expect(parseRtpPacket(sa.sent[0]!.data).ok).toBe(true); // header stays clear
    expect(b.stats().jitterBuffer.played).toBe(10);
    sb.receive(sa.sent[3]!.data, { address: '10.0.0.1', port: 4000 }); // replay
    const plain = serializeRtpPacket({ ...parseOk(Buffer.alloc(172, 0x80)), payloadType: 0 });
    sb.receive(plain, { address: '10.0.0.1', port: 4000 });
    expect(b.stats().srtpFailures).toBe(2);
    // Re-INVITE with new keys on both sides: media flows again with fresh contexts.
    const k3 = Buffer.alloc(30, 3);
    a.setSrtp({ suite, localKey: k3, remoteKey: k2 });
    b.setSrtp({ suite, localKey: k2, remoteKey: k3 });
    for (let i = 0; i < 5; i++) a.sendFrame(tone(i));
    clock.tick(20);
    expect(b.stats().jitterBuffer.played).toBe(15);
    expect(b.stats().srtpFailures).toBe(2);
  });

  it('exchanges SR/RR reports, measures RTT and sends BYE on close (rtcp-mux, SRTCP)', () => {
    const net = new FakeNetwork();
    const clock = new FakeMediaClock();
    const wallClock = () => 1_700_000_000_000 + clock.now();
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const k1 = Buffer.alloc(30, 7);
    const k2 = Buffer.alloc(30, 9);
    const mk = (rtp: FakeSocket, address: string, port: number, localKey: Buffer, remoteKey: Buffer) =>
      new RtpSession({
        sockets: { rtp },
        remote: { address, port },
        payloadType: 0,
        codec: codec(),
        clock,
        rtcpMux: true,
        srtp: { suite: 'AES_CM_128_HMAC_SHA1_32', localKey, remoteKey },
        rtcp: { wallClock, random: () => 0.5 },
      });
    const a = mk(sa, '10.0.0.2', 5000, k1, k2);
    const b = mk(sb, '10.0.0.1', 4000, k2, k1);
    let byes = 0;
    b.on('remote-bye', () => byes++);
    a.start();
    b.start();
    for (let i = 0; i < 300; i++) a.sendFrame(tone(i));
    clock.advance(12_000);
    const rtcpFrom = (s: FakeSocket) => s.sent.filter((d) => d.data[1]! >= 200 && d.data[1]! <= 204);
    expect(rtcpFrom(sa).length).toBe(2); // first at Tmin/2 = 2.5 s, then every 5 s (random fixed at 1.0)
    expect(rtcpFrom(sa)[0]!.data[1]).toBe(200); // SR: A sends media
    expect(rtcpFrom(sb)[0]!.data[1]).toBe(201); // RR: B only receives
    expect(b.stats().rtcpReceived).toBe(2);
    expect(a.stats().srtpFailures + b.stats().srtpFailures).toBe(0);
    expect(a.stats().rttMs).toBeDefined();
    expect(a.stats().rttMs!).toBeLessThan(2);
    a.close();
    expect(byes).toBe(1);
  });

  it('srtpPending (DTLS-SRTP): nothing sent and everything received dropped until setSrtp, then SRTP both ways', () => {
    const net = new FakeNetwork();
    const clock = new FakeMediaClock();
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
    const k1 = Buffer.alloc(30, 1);
    const k2 = Buffer.alloc(30, 2);
    const mk = (rtp: FakeSocket, address: string, port: number) =>
      new RtpSession({
        sockets: { rtp },
        remote: { address, port },
        payloadType: 0,
        codec: codec(),
        clock,
        rtcpMux: true,
        srtpPending: true,
      });
    const a = mk(sa, '10.0.0.2', 5000);
    const b = mk(sb, '10.0.0.1', 4000);
    const frames: Int16Array[] = [];
    b.on('frame', (f) => frames.push(f));
    a.start();
    b.start();
    for (let i = 0; i < 3; i++) a.sendFrame(tone(i));
    clock.advance(6000); // RTCP due too
    expect(sa.sent).toHaveLength(0); // no plain RTP or RTCP on an encrypted call
    expect(a.stats().packetsSent).toBe(0); // nothing built or counted (the SR stays honest)
    expect(a.stats().rtcpSent).toBe(0);
    // The peer got its keys first: its SRTP reaches b before b's keys -> dropped, not played.
    a.setSrtp({ suite, localKey: k1, remoteKey: k2 });
    for (let i = 0; i < 3; i++) a.sendFrame(tone(i));
    clock.tick(60);
    expect(sa.sent.length).toBeGreaterThan(0);
    expect(sa.sent[0]!.data[1]! & 0x80).toBe(0x80); // the first packet after the keys: marker (RFC 3551 §4.1)
    expect(b.stats().beforeKeys).toBe(sa.sent.length); // every packet from a, none played
    expect(b.stats().srtpFailures + b.stats().malformed).toBe(0);
    expect(b.stats().jitterBuffer.received).toBe(0);
    b.setSrtp({ suite, localKey: k2, remoteKey: k1 });
    for (let i = 0; i < 5; i++) a.sendFrame(tone(i));
    clock.tick(100);
    expect(b.stats().jitterBuffer.received).toBe(5);
    expect(b.stats().srtpFailures).toBe(0);
  });

  it('sends no RTCP BYE when it never sent RTP or RTCP (RFC 3550 §6.3.7), one when it did', () => {
    const net = new FakeNetwork();
    const clock = new FakeMediaClock();
    let port = 4000;
    const mk = () => {
      const rtp = net.bind('10.0.0.1', port++);
      const s = new RtpSession({
        sockets: { rtp },
        remote: { address: '10.0.0.2', port: 5000 },
        payloadType: 0,
        codec: codec(),
        clock,
        rtcpMux: true,
      });
      s.start();
      return { s, rtp };
    };
    const silent = mk();
    silent.s.close();
    expect(silent.rtp.sent).toHaveLength(0);
    const talked = mk();
    talked.s.sendFrame(tone(0));
    clock.tick(20);
    talked.s.close();
    const types = talked.rtp.sent.map((d) => d.data[1]!);
    expect(types.filter((t) => t >= 200 && t <= 204)).toHaveLength(1); // the final SR + SDES + BYE
    expect(types.filter((t) => t < 200)).toHaveLength(1); // the one RTP packet
  });

  it('stops ticking and detaches on close', () => {
    const { a, sa, clock } = setup();
    a.sendFrame(tone(0));
    a.close();
    clock.tick(5);
    expect(sa.sent).toHaveLength(0);
    expect(sa.listenerCount('message')).toBe(0);
  });
});

function parseOk(buf: Buffer): RtpPacket {
  const r = parseRtpPacket(buf);
  if (!r.ok) throw new Error(r.reason);
  return r.packet;
}
