import { describe, expect, it } from 'vitest';
import { createCodec } from '../codec/codec-registry.js';
import { PortAllocator } from './port-allocator.js';
import { RtpSession } from './rtp-session.js';

const PCMA = { name: 'PCMA', clockRate: 8000, channels: 1, sampleRate: 8000 };

describe('RtpSession over real loopback UDP', () => {
  it('exchanges G.711 frames between two sessions', async () => {
    const base = 46_000 + 2 * Math.floor(Math.random() * 500);
    const pa = new PortAllocator({ min: base, max: base + 9, host: '127.0.0.1' });
    const [x, y] = [await pa.allocate(), await pa.allocate()];
    const mk = (sockets: typeof x, port: number) =>
      new RtpSession({
        sockets,
        remote: { address: '127.0.0.1', port },
        payloadType: 8,
        codec: { ...createCodec(PCMA), info: PCMA },
        rtcp: { random: () => 0 }, // first report after 1.25 s: none in this test
      });
    const a = mk(x, y.port);
    const b = mk(y, x.port);
    let firstPacket = false;
    const got: Int16Array[] = [];
    b.on('first-packet', () => (firstPacket = true));
    b.on('frame', (f) => got.push(f));
    a.start();
    b.start();
    const pcm = new Int16Array(160).fill(1000);
    for (let i = 0; i < 15; i++) a.sendFrame(pcm);
    await new Promise((r) => setTimeout(r, 600));
    x.release(); // released before close(): the RTCP BYE send must not throw
    a.close();
    b.close();
    y.release();
    expect(a.stats().sendErrors).toBeGreaterThanOrEqual(1);
    expect(firstPacket).toBe(true);
    expect(b.stats().packetsReceived).toBe(15);
    const voiced = got.filter((f) => f.length === 160 && Math.abs(f[80]! - 1000) < 64);
    expect(voiced.length).toBeGreaterThanOrEqual(15); // + PLC continuation after the last packet
    expect(b.stats().jitterBuffer.played).toBe(15);
  });
});
