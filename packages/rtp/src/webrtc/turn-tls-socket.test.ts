import { describe, expect, it } from 'vitest';
import type { DatagramSocket } from '../session/session-types.js';
import { StunMethod, encodeStun } from './stun-message.js';
import { TurnClient, TurnError } from './turn-client.js';
import { padChannelData, parseTurnsUri, splitTurnStream } from './turn-tls-socket.js';

const stun = (): Buffer =>
  encodeStun({
    method: StunMethod.BINDING,
    cls: 'request',
    transactionId: Buffer.alloc(12, 7),
    attributes: [],
  });
/** ChannelData on channel 0x4000 with `n` bytes of payload, unpadded. */
const channelData = (n: number): Buffer => {
  const b = Buffer.alloc(4 + n, 0xab);
  b.writeUInt16BE(0x4000, 0);
  b.writeUInt16BE(n, 2);
  return b;
};

describe('TURN over TLS framing (RFC 8656 §3.1, §12.5)', () => {
  it('splits STUN and padded ChannelData out of a stream, whatever the chunking', () => {
    const frames = [stun(), channelData(5), channelData(8), stun()];
    const wire = Buffer.concat(frames.map(padChannelData));
    expect(wire.length).toBe(20 + 12 + 12 + 20); // 5 bytes of data padded to 8
    for (const cut of [1, 3, 7, 21, 30, 45, wire.length]) {
      const got: Buffer[] = [];
      let rest: Buffer = Buffer.alloc(0);
      for (let at = 0; at < wire.length; at += cut) {
        const r = splitTurnStream(Buffer.concat([rest, wire.subarray(at, at + cut)]));
        expect(r.error).toBeUndefined();
        got.push(...r.frames);
        rest = r.rest;
      }
      expect(rest.length).toBe(0);
      expect(got.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
    }
  });

  it('reports a stream that is neither STUN nor ChannelData', () => {
    expect(splitTurnStream(Buffer.from('POST / HTTP/1.1\r\n')).error).toMatch(/first byte 80/);
  });

  it('pads only unaligned ChannelData', () => {
    expect(padChannelData(channelData(3)).length).toBe(8);
    expect(padChannelData(channelData(4)).length).toBe(8);
    expect(padChannelData(stun()).length).toBe(20);
  });

  it('parses turns: URIs (RFC 7065 §3.1), default port 5349', () => {
    expect(parseTurnsUri('turns:turn.example.com')).toEqual({ host: 'turn.example.com', port: 5349 });
    expect(parseTurnsUri('turns:[2001:db8::1]:443?transport=tcp')).toEqual({
      host: '2001:db8::1',
      port: 443,
    });
    expect(parseTurnsUri('turn:turn.example.com')).toBeUndefined();
    expect(parseTurnsUri('turns:turn.example.com?transport=udp')).toBeUndefined();
    expect(parseTurnsUri('turns:h:70000')).toBeUndefined();
  });
});

describe('TurnClient over a reliable socket (RFC 8489 §6.2.2)', () => {
  it('sends each request once and gives up after 31 RTO', async () => {
    const sent: Buffer[] = [];
    const socket = {
      send: (msg: Buffer) => void sent.push(msg),
      on: () => socket,
      off: () => socket,
    } as unknown as DatagramSocket;
    const client = new TurnClient({
      socket,
      server: { address: '127.0.0.1', port: 5349 },
      username: 'u',
      password: 'p',
      rtoMs: 2,
      reliable: true,
    });
    const t0 = Date.now();
    await expect(client.allocate()).rejects.toBeInstanceOf(TurnError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    expect(sent).toHaveLength(1);
    client.close();
  });
});
