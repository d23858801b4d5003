/**
 * A scripted TURN server (RFC 8656) on a {@link FakeNetwork}: the long-term credential
 * mechanism (RFC 8489 §9.2: 401 with REALM and NONCE, then MESSAGE-INTEGRITY keyed with
 * MD5(username:realm:password)), a success for every authenticated request (Allocate
 * with XOR-RELAYED-ADDRESS), and, when the relayed address is bound on the network, the
 * relay itself: Send indications go out from the relayed address, and what a peer with a
 * permission (§9) sends there comes back as a Data indication (§10.4). ChannelData is
 * only logged.
 */
import { createHash } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import type { TransportAddress } from '../webrtc/ice-lite.js';
import {
  type StunAttribute,
  type StunMessage,
  StunAttr,
  StunMethod,
  decodeXorAddress,
  encodeStun,
  encodeXorAddress,
  getAttribute,
  parseStun,
  verifyIntegrity,
} from '../webrtc/stun-message.js';
import type { FakeNetwork, FakeSocket } from './fake-socket.js';

/** Options of {@link fakeTurnServer}. */
export interface FakeTurnServerOptions {
  /** XOR-RELAYED-ADDRESS of every allocation. */
  readonly relayed: TransportAddress;
  /** Also relay data: bind `relayed` on this network and forward both ways. Default: log only. */
  readonly network?: FakeNetwork;
  /** Default `va` / `vapass` in realm `realm.test`. */
  readonly username?: string;
  readonly password?: string;
  readonly realm?: string;
}

/** What the server saw. */
export interface FakeTurnLog {
  /** Every request, in order (unauthenticated ones too). */
  readonly requests: StunMessage[];
  /** Raw Send indications. */
  readonly sends: Buffer[];
  /** Raw ChannelData messages. */
  readonly channelData: Buffer[];
  /** IPs that were given a permission (CreatePermission). */
  readonly permissions: Set<string>;
}

/** Answer TURN requests arriving on `socket` (see the module comment). */
export function fakeTurnServer(socket: FakeSocket, o: FakeTurnServerOptions): FakeTurnLog {
  const log: FakeTurnLog = { requests: [], sends: [], channelData: [], permissions: new Set() };
  const realm = o.realm ?? 'realm.test';
  const key = createHash('md5')
    .update(`${o.username ?? 'va'}:${realm}:${o.password ?? 'vapass'}`)
    .digest();
  let client: TransportAddress | undefined;
  const relay = o.network?.bind(o.relayed.address, o.relayed.port);
  relay?.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    if (!client || !log.permissions.has(rinfo.address)) return; // RFC 8656 §9: no permission, dropped
    const tid = Buffer.alloc(12, 7);
    const attributes = [
      { type: StunAttr.XOR_PEER_ADDRESS, value: encodeXorAddress(rinfo.address, rinfo.port, tid) },
      { type: StunAttr.DATA, value: data },
    ];
    socket.send(
      encodeStun({ method: StunMethod.DATA, cls: 'indication', transactionId: tid, attributes }),
      client.port,
      client.address,
    );
  });
  socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    if (msg[0]! >= 0x40 && msg[0]! <= 0x4f) return void log.channelData.push(msg);
    const m = parseStun(msg);
    if (m === undefined) return;
    const peerAttr = getAttribute(m, StunAttr.XOR_PEER_ADDRESS);
    const peer = peerAttr && decodeXorAddress(peerAttr, m.transactionId);
    if (m.cls === 'indication') {
      log.sends.push(msg);
      const data = getAttribute(m, StunAttr.DATA);
      if (relay && peer && data && log.permissions.has(peer.address))
        relay.send(data, peer.port, peer.address);
      return;
    }
    log.requests.push(m);
    const reply = (cls: 'success' | 'error', attributes: StunAttribute[], integrity?: Buffer): void =>
      socket.send(
        encodeStun(
          { method: m.method, cls, transactionId: m.transactionId, attributes },
          integrity ? { integrityKey: integrity } : {},
        ),
        rinfo.port,
        rinfo.address,
      );
    if (!verifyIntegrity(msg, key)) {
      // RFC 8489 §9.2.4: 401 with REALM and NONCE.
      return reply('error', [
        { type: StunAttr.ERROR_CODE, value: Buffer.from([0, 0, 4, 1, ...Buffer.from('Unauthorized')]) },
        { type: StunAttr.REALM, value: Buffer.from(realm) },
        { type: StunAttr.NONCE, value: Buffer.from('n0nce') },
      ]);
    }
    if (m.method === StunMethod.ALLOCATE) {
      client = { address: rinfo.address, port: rinfo.port };
      const lifetime = Buffer.alloc(4);
      lifetime.writeUInt32BE(600, 0);
      const relayed = encodeXorAddress(o.relayed.address, o.relayed.port, m.transactionId);
      return reply(
        'success',
        [
          { type: StunAttr.XOR_RELAYED_ADDRESS, value: relayed },
          { type: StunAttr.LIFETIME, value: lifetime },
        ],
        key,
      );
    }
    if (m.method === StunMethod.CREATE_PERMISSION && peer) log.permissions.add(peer.address);
    reply('success', [], key);
  });
  return log;
}
