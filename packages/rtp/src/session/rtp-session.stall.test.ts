import { describe, expect, it } from 'vitest';
import { createCodec } from '../codec/codec-registry.js';
import { parseRtpPacket } from '../packet/rtp-packet.js';
import { FakeNetwork } from '../testing/fake-socket.js';
import type { MediaClock, MediaTickHandler, MediaTickPhase } from './media-clock.js';
import { RtpSession } from './rtp-session.js';

const PCMU = { name: 'PCMU', clockRate: 8000, channels: 1, sampleRate: 8000 };

/** A clock whose ticks the test delivers by hand, so it can skip some (an event-loop stall). */
class ManualClock implements MediaClock {
  readonly periodMs = 20;
  private readonly handlers = new Map<MediaTickPhase, MediaTickHandler>();
  nowMs = 0;
  now(): number {
    return this.nowMs;
  }
  subscribe(handler: MediaTickHandler, phase: MediaTickPhase = 'work'): () => void {
    this.handlers.set(phase, handler);
    return () => this.handlers.delete(phase);
  }
  tick(atMs: number): void {
    this.nowMs = atMs;
    this.handlers.get('send')?.(atMs);
    this.handlers.get('work')?.(atMs);
  }
}

describe('RtpSession after a stall the media clock could not catch up', () => {
  it('jumps the RTP timestamp by the missed time and marks the packet (RFC 3550 §5.1)', () => {
    const net = new FakeNetwork();
    const socket = net.bind('10.0.0.1', 4000);
    net.bind('10.0.0.2', 5000);
    const clock = new ManualClock();
    const s = new RtpSession({
      sockets: { rtp: socket },
      remote: { address: '10.0.0.2', port: 5000 },
      payloadType: 0,
      codec: { ...createCodec(PCMU), info: PCMU },
      clock,
      mediaTimeoutMs: 0,
    });
    s.start();
    const frame = new Int16Array(160).fill(1000);
    for (let i = 0; i < 12; i++) s.sendFrame(frame);
    for (const t of [20, 40, 60]) clock.tick(t);
    clock.tick(260); // ticks 80..240 never came: 9 slots missed
    clock.tick(280);
    const packets = socket.sent.map((d) => {
      const r = parseRtpPacket(d.data);
      if (!r.ok) throw new Error(r.reason);
      return r.packet;
    });
    expect(packets).toHaveLength(5);
    const ts = packets.map((p) => (p.timestamp - (packets[0]?.timestamp ?? 0)) >>> 0);
    expect(ts).toEqual([0, 160, 320, 320 + 10 * 160, 320 + 11 * 160]);
    expect(packets.map((p) => p.sequenceNumber - (packets[0]?.sequenceNumber ?? 0))).toEqual([0, 1, 2, 3, 4]);
    expect(packets[3]?.marker).toBe(true); // a discontinuity: the receiver resyncs
    s.close();
  });
});
