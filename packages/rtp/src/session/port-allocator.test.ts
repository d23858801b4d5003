import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { PortAllocator, PortsExhaustedError } from './port-allocator.js';

function occupy(port: number): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

describe('PortAllocator', () => {
  it('binds even RTP ports with RTCP on +1, skips busy ports, round-robins and releases', async () => {
    const base = 42_000 + 2 * Math.floor(Math.random() * 500);
    const blocker = await occupy(base + 1); // RTCP port of the first pair is taken elsewhere
    const pa = new PortAllocator({ min: base, max: base + 7, host: '127.0.0.1' });
    const a = await pa.allocate();
    expect(a.port).toBe(base + 2);
    expect(a.rtp.address().port).toBe(base + 2);
    expect(a.rtcp?.address().port).toBe(base + 3);
    const b = await pa.allocate();
    expect(b.port).toBe(base + 4);
    expect(pa.inUse).toBe(2);
    a.release();
    a.release();
    expect(pa.inUse).toBe(1);
    const c = await pa.allocate();
    expect(c.port).toBe(base + 6); // not the one just released
    const d = await pa.allocate();
    expect(d.port).toBe(base + 2);
    await expect(pa.allocate()).rejects.toBeInstanceOf(PortsExhaustedError);
    for (const x of [b, c, d]) x.release();
    expect(pa.inUse).toBe(0);
    blocker.close();
  });

  it('allocates in parallel without collisions', async () => {
    const base = 44_000 + 2 * Math.floor(Math.random() * 500);
    const pa = new PortAllocator({ min: base, max: base + 19, host: '127.0.0.1', rtcp: false });
    const all = await Promise.all(Array.from({ length: 10 }, () => pa.allocate()));
    expect(new Set(all.map((x) => x.port)).size).toBe(10);
    expect(all.every((x) => x.rtcp === undefined && x.port % 2 === 0)).toBe(true);
    for (const x of all) x.release();
  });
});
