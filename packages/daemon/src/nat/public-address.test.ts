import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { StunAttr, StunMethod, encodeStun, encodeXorAddress, parseStun } from '@voice-assistant/rtp';
import { discoverPublicAddress } from './public-address.js';

let server: Socket | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A STUN server on 127.0.0.1 that maps every client to `mapped` (a loopback address here). */
async function fakeStun(mapped: string): Promise<number> {
  const s = createSocket('udp4');
  server = s;
  s.on('message', (msg, rinfo) => {
    const req = parseStun(msg);
    if (!req || req.method !== StunMethod.BINDING || req.cls !== 'request') return;
    const res = encodeStun({
      method: StunMethod.BINDING,
      cls: 'success',
      transactionId: req.transactionId,
      attributes: [
        { type: StunAttr.XOR_MAPPED_ADDRESS, value: encodeXorAddress(mapped, rinfo.port, req.transactionId) },
      ],
    });
    s.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s.address().port;
}

describe('discoverPublicAddress', () => {
  it('learns the mapped address from a STUN Binding response', async () => {
    const port = await fakeStun('127.0.0.9');
    expect(await discoverPublicAddress(`stun:127.0.0.1:${port}`, '127.0.0.1')).toEqual({
      address: '127.0.0.9',
      source: 'stun',
    });
  });
  it('reports a silent server or a bad URI instead of throwing', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port; // bound, never answers
    const r = await discoverPublicAddress(`stun:127.0.0.1:${port}`, '127.0.0.1', { rtoMs: 20 });
    s.close();
    expect(r.source).toBe('none');
    expect(r.error).toMatch(/did not answer/);
    expect((await discoverPublicAddress('http://x', '127.0.0.1')).error).toMatch(/unusable STUN server/);
  });
});
