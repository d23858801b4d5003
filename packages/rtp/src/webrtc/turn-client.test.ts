import { afterEach, describe, expect, it } from 'vitest';
import { FakeNetwork } from '../testing/fake-socket.js';
import { fakeTurnServer } from '../testing/fake-turn-server.js';
import {
  StunAttr,
  StunMethod,
  decodeXorAddress,
  encodeStun,
  encodeXorAddress,
  getAttribute,
  parseStun,
} from './stun-message.js';
import { TurnClient } from './turn-client.js';

const SERVER = { address: '127.0.0.1', port: 3478 };
const RELAY = { address: '127.0.0.1', port: 49152 };
const PEER = { address: '127.0.0.2', port: 6000 };

describe('TurnClient (RFC 8656) against a scripted server', () => {
  let client: TurnClient | undefined;
  afterEach(() => client?.close());

  it('allocates after a 401 challenge, creates a permission, relays by Send indication then ChannelData', async () => {
    const net = new FakeNetwork();
    const ours = net.bind('127.0.0.1', 4000);
    const server = net.bind(SERVER.address, SERVER.port);
    const log = fakeTurnServer(server, { relayed: RELAY });
    client = new TurnClient({ socket: ours, server: SERVER, username: 'va', password: 'vapass' });
    expect(await client.allocate()).toEqual(RELAY);
    expect(log.requests.map((r) => r.method)).toEqual([StunMethod.ALLOCATE, StunMethod.ALLOCATE]);
    expect(getAttribute(log.requests[0]!, StunAttr.USERNAME)).toBeUndefined();
    expect(getAttribute(log.requests[1]!, StunAttr.USERNAME)?.toString()).toBe('va');
    expect(getAttribute(log.requests[1]!, StunAttr.NONCE)?.toString()).toBe('n0nce');

    await client.createPermission(PEER.address);
    const perm = log.requests.at(-1)!;
    expect(perm.method).toBe(StunMethod.CREATE_PERMISSION);
    expect(
      decodeXorAddress(getAttribute(perm, StunAttr.XOR_PEER_ADDRESS)!, perm.transactionId)?.address,
    ).toBe(PEER.address);

    const got: Array<{ data: string; from: string }> = [];
    client.relayedSocket.on('message', (d, r) =>
      got.push({ data: d.toString(), from: `${r.address}:${r.port}` }),
    );
    client.relayedSocket.send(Buffer.from('hello'), PEER.port, PEER.address);
    const sendInd = parseStun(log.sends[0]!)!;
    expect(sendInd.method).toBe(StunMethod.SEND);
    expect(getAttribute(sendInd, StunAttr.DATA)?.toString()).toBe('hello');

    // Data indication from the peer (RFC 8656 §10.4).
    const tid = Buffer.alloc(12, 5);
    server.send(
      encodeStun({
        method: StunMethod.DATA,
        cls: 'indication',
        transactionId: tid,
        attributes: [
          { type: StunAttr.XOR_PEER_ADDRESS, value: encodeXorAddress(PEER.address, PEER.port, tid) },
          { type: StunAttr.DATA, value: Buffer.from('hi back') },
        ],
      }),
      4000,
      '127.0.0.1',
    );
    expect(got).toEqual([{ data: 'hi back', from: '127.0.0.2:6000' }]);

    expect(await client.channelBind(PEER)).toBe(0x4000);
    client.send(Buffer.from('abc'), PEER);
    expect(log.channelData[0]).toEqual(Buffer.from([0x40, 0x00, 0x00, 0x03, 0x61, 0x62, 0x63]));
    server.send(Buffer.from([0x40, 0x00, 0x00, 0x02, 0x6f, 0x6b]), 4000, '127.0.0.1');
    expect(got.at(-1)).toEqual({ data: 'ok', from: '127.0.0.2:6000' });
  });

  it('ignores datagrams not from the server and hostile ChannelData', async () => {
    const net = new FakeNetwork();
    const ours = net.bind('127.0.0.1', 4000);
    const other = net.bind('127.0.0.9', 1);
    const server = net.bind(SERVER.address, SERVER.port);
    fakeTurnServer(server, { relayed: RELAY });
    client = new TurnClient({ socket: ours, server: SERVER, username: 'va', password: 'vapass' });
    await client.allocate();
    const got: Buffer[] = [];
    client.relayedSocket.on('message', (d) => got.push(d));
    other.send(Buffer.from([0x40, 0, 0, 1, 1]), 4000, '127.0.0.1');
    server.send(Buffer.from([0x40, 0x00, 0xff, 0xff, 1]), 4000, '127.0.0.1'); // unbound channel, bad length
    server.send(Buffer.from([0x01, 0x17, 0, 0]), 4000, '127.0.0.1');
    expect(got).toEqual([]);
  });
});
