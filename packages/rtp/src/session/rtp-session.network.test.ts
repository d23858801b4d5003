import { describe, expect, it } from 'vitest';
import { createCodec } from '../codec/codec-registry.js';
import { FakeMediaClock } from '../testing/fake-media-clock.js';
import { FakeNetwork } from '../testing/fake-socket.js';
import { RtpSession } from './rtp-session.js';

const PCMU = { name: 'PCMU', clockRate: 8000, channels: 1, sampleRate: 8000 };

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RtpSession over an impaired network', () => {
  it('plays 20 s through 20..120 ms jitter and 2 % loss with steady frames and PLC', () => {
    const clock = new FakeMediaClock();
    const net = new FakeNetwork(clock);
    const r = rng(11);
    let dropped = 0;
    net.latencyMs = () => 20 + r() * 100;
    net.filter = (d) => {
      if (d.data[1]! >= 200 || r() >= 0.02) return d.data;
      dropped++;
      return undefined;
    };
    const sa = net.bind('10.0.0.1', 4000);
    const sb = net.bind('10.0.0.2', 5000);
    const mk = (rtp: typeof sa, address: string, port: number) =>
      new RtpSession({
        sockets: { rtp },
        remote: { address, port },
        payloadType: 0,
        codec: { ...createCodec(PCMU), info: PCMU },
        dtmfPayloadType: 101,
        clock,
        rtcpMux: true,
        rtcp: { wallClock: () => 1_700_000_000_000 + clock.now() },
      });
    const a = mk(sa, '10.0.0.2', 5000);
    const b = mk(sb, '10.0.0.1', 4000);
    const frameTimes: number[] = [];
    b.on('frame', (f) => {
      expect(f.length).toBe(160);
      frameTimes.push(clock.now());
    });
    a.start();
    b.start();
    const pcm = new Int16Array(160).fill(2000);
    for (let i = 0; i < 1000; i++) a.sendFrame(pcm);
    clock.advance(21_000);
    const s = b.stats();
    const jb = s.jitterBuffer;
    expect(jb.played + jb.lost + jb.late).toBeGreaterThanOrEqual(1000 - 2);
    expect(jb.lost).toBeGreaterThanOrEqual(dropped - 1);
    expect(jb.late).toBeLessThan(30); // < 3 % beyond the adaptive target
    expect(jb.targetDelayMs).toBeGreaterThan(60);
    expect(jb.targetDelayMs).toBeLessThanOrEqual(130);
    expect(s.lost).toBe(dropped);
    expect(s.jitterMs).toBeGreaterThan(15);
    expect(s.mos).toBeGreaterThan(3.5);
    // Steady playout: once started, one frame per 20 ms tick until the stream ends.
    const gaps = frameTimes.slice(1).map((t, i) => t - frameTimes[i]!);
    expect(gaps.filter((g) => g !== 20).length).toBeLessThanOrEqual(10);
    // RTCP RR from B carries LSR/DLSR: RTT = two one-way latencies of 20..120 ms.
    expect(a.stats().rttMs).toBeGreaterThan(40);
    expect(a.stats().rttMs).toBeLessThan(240);
  });
});
