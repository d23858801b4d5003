import type { RemoteInfo } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { FakeNetwork } from '../testing/fake-socket.js';
import { gatherCandidates, parseIceServerUri, stunBinding } from './stun-client.js';
import { StunAttr, StunMethod, encodeStun, encodeXorAddress, parseStun } from './stun-message.js';

describe('STUN client (RFC 8489 §6.2.1) and ICE server URIs (RFC 7064/7065)', () => {
  it('parses stun:/turn: URIs', () => {
    expect(parseIceServerUri('stun:stun.example.com', 'stun')).toEqual({
      scheme: 'stun',
      host: 'stun.example.com',
      port: 3478,
    });
    expect(parseIceServerUri('turn:10.0.0.1:3479?transport=udp', 'turn')).toEqual({
      scheme: 'turn',
      host: '10.0.0.1',
      port: 3479,
    });
    expect(parseIceServerUri('[::1]:3478', 'stun')).toEqual({ scheme: 'stun', host: '::1', port: 3478 });
    expect(parseIceServerUri('turn:x?transport=tcp', 'turn')).toBeUndefined();
    expect(parseIceServerUri('turns:x', 'turn')).toBeUndefined();
    expect(parseIceServerUri('stun:x:99999', 'stun')).toBeUndefined();
  });

  it('learns the mapped address; gatherCandidates adds an srflx candidate with its base', async () => {
    const net = new FakeNetwork();
    const ours = net.bind('10.0.0.5', 4000);
    const server = net.bind('127.0.0.1', 3478);
    server.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      const m = parseStun(msg)!;
      expect(m.method).toBe(StunMethod.BINDING);
      // Pretend a NAT maps us to 203.0.113.7:62000.
      const attributes = [
        { type: StunAttr.XOR_MAPPED_ADDRESS, value: encodeXorAddress('203.0.113.7', 62000, m.transactionId) },
      ];
      server.send(
        encodeStun({
          method: StunMethod.BINDING,
          cls: 'success',
          transactionId: m.transactionId,
          attributes,
        }),
        rinfo.port,
        rinfo.address,
      );
    });
    expect(await stunBinding(ours, { address: '127.0.0.1', port: 3478 })).toEqual({
      address: '203.0.113.7',
      port: 62000,
    });
    const g = await gatherCandidates({
      socket: ours,
      host: { address: '10.0.0.5', port: 4000 },
      stunServer: 'stun:127.0.0.1:3478',
    });
    expect(g.problems).toEqual([]);
    expect(g.candidates).toEqual([
      expect.objectContaining({
        type: 'srflx',
        address: '203.0.113.7',
        port: 62000,
        relatedAddress: '10.0.0.5',
        relatedPort: 4000,
      }),
    ]);
  });

  it('a silent server is a problem, not a failure', async () => {
    const net = new FakeNetwork();
    const ours = net.bind('10.0.0.5', 4000);
    const g = await gatherCandidates({
      socket: ours,
      host: { address: '10.0.0.5', port: 4000 },
      stunServer: 'stun:127.0.0.1:3478',
      turn: { uri: 'bogus uri', username: 'u', password: 'p' },
      rtoMs: 1,
    });
    expect(g.candidates).toEqual([]);
    expect(g.problems).toHaveLength(2);
  });
});
