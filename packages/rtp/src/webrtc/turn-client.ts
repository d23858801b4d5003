/**
 * TURN client over UDP (RFC 8656): Allocate with the long-term credential mechanism
 * (RFC 8489 §9.2: 401 with REALM/NONCE, then MESSAGE-INTEGRITY keyed with
 * MD5(username:realm:password)), CreatePermission (§9), ChannelBind (§11), Send/Data
 * indications (§10) and ChannelData (§12), Refresh (§7). The relayed transport address
 * is exposed as a {@link DatagramSocket} ({@link TurnClient.relayedSocket}) so the media
 * layers run on a relay candidate unchanged.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { DatagramSocket } from '../session/session-types.js';
import type { TransportAddress } from './ice-lite.js';
import {
  StunAttr,
  StunMethod,
  type StunAttribute,
  type StunMessage,
  decodeXorAddress,
  encodeStun,
  encodeXorAddress,
  getAttribute,
  parseStun,
} from './stun-message.js';

export {
  TurnTlsSocket,
  TURNS_DEFAULT_PORT,
  parseTurnsUri,
  splitTurnStream,
  padChannelData,
} from './turn-tls-socket.js';
export type { TurnTlsOptions, TurnsUri, TurnStreamFrames } from './turn-tls-socket.js';

/** Options of {@link TurnClient}. */
export interface TurnClientOptions {
  /** Our bound UDP socket; the client listens to datagrams from the server only. */
  readonly socket: DatagramSocket;
  readonly server: TransportAddress;
  readonly username: string;
  readonly password: string;
  /** Requested allocation lifetime. Default 600 s (RFC 8656 §7.2). */
  readonly lifetimeSec?: number;
  /** Per-request retransmission interval, doubled each time, 5 tries. Default 250 ms. */
  readonly rtoMs?: number;
  /**
   * The socket is a reliable stream (TURN over TCP/TLS, e.g. {@link TurnTlsSocket}): each
   * request is sent once (RFC 8489 §6.2.2: no retransmissions over reliable transports)
   * and waited for as long as the 5 tries over UDP would take. Default false.
   */
  readonly reliable?: boolean;
  /**
   * `close()` also closes `socket` (one opened for this client alone, such as a
   * {@link TurnTlsSocket}); the socket needs a `close()` method. Default false.
   */
  readonly ownsSocket?: boolean;
}

/** A TURN error response (code from ERROR-CODE, RFC 8489 §14.8). */
export class TurnError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const CHANNEL_MIN = 0x4000;
const PERMISSION_REFRESH_MS = 240_000; // permissions live 300 s (RFC 8656 §9)
const CHANNEL_REFRESH_MS = 540_000; // channel bindings live 600 s (§11)

/** RFC 8656 §12.4: ChannelData starts with 0b01 (first byte 64..79, RFC 7983). */
function isChannelData(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0]! >= 0x40 && buf[0]! <= 0x4f;
}

/** A UDP TURN allocation. */
export class TurnClient {
  private realm: string | undefined;
  private nonce: string | undefined;
  private key: Buffer | undefined;
  private relayed: TransportAddress | undefined;
  private readonly pending = new Map<string, (m: StunMessage) => void>();
  private readonly channels = new Map<string, number>();
  private readonly channelPeers = new Map<number, TransportAddress>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly emitter = new EventEmitter();
  private closed = false;
  /** Datagrams from the server that were not TURN (dropped). */
  dropped = 0;

  constructor(private readonly o: TurnClientOptions) {
    o.socket.on('message', this.onMessage);
  }

  /** XOR-RELAYED-ADDRESS of the allocation, once allocated. */
  get relayedAddress(): TransportAddress | undefined {
    return this.relayed;
  }

  /** The relayed address as a socket: `send` relays to a peer, `message` delivers what peers sent to it. */
  readonly relayedSocket: DatagramSocket = {
    send: (msg, port, address, callback) => {
      this.send(msg, { address, port });
      callback?.(null, msg.length);
    },
    on: (event: 'message' | 'error', listener: (...a: any[]) => void) => this.emitter.on(event, listener), // eslint-disable-line @typescript-eslint/no-explicit-any
    off: (event: 'message' | 'error', listener: (...a: any[]) => void) => this.emitter.off(event, listener), // eslint-disable-line @typescript-eslint/no-explicit-any
  } as DatagramSocket;

  /** RFC 8656 §7.1: Allocate a UDP relay; resolves with the relayed transport address. */
  async allocate(): Promise<TransportAddress> {
    const transport = Buffer.from([17, 0, 0, 0]); // REQUESTED-TRANSPORT: UDP (§18.7)
    const lifetime = Buffer.alloc(4);
    lifetime.writeUInt32BE(this.o.lifetimeSec ?? 600, 0);
    const res = await this.request(StunMethod.ALLOCATE, () => [
      { type: StunAttr.REQUESTED_TRANSPORT, value: transport },
      { type: StunAttr.LIFETIME, value: lifetime },
    ]);
    const relayed = getAttribute(res, StunAttr.XOR_RELAYED_ADDRESS);
    const addr = relayed && decodeXorAddress(relayed, res.transactionId);
    if (!addr) throw new TurnError(0, 'Allocate success without XOR-RELAYED-ADDRESS');
    this.relayed = addr;
    const granted = getAttribute(res, StunAttr.LIFETIME)?.readUInt32BE(0) ?? 600;
    // §7.3 Refresh a minute before expiry (at least every 30 s for short lifetimes).
    this.every(Math.max(30, granted - 60) * 1000, () => this.refresh());
    return addr;
  }

  /** RFC 8656 §9: allow `peerAddress` (IP only, any port) to send to the relay; refreshed every 4 min. */
  async createPermission(peerAddress: string): Promise<void> {
    const send = (): Promise<StunMessage> =>
      this.request(StunMethod.CREATE_PERMISSION, (tid) => [
        { type: StunAttr.XOR_PEER_ADDRESS, value: encodeXorAddress(peerAddress, 0, tid) },
      ]);
    await send();
    this.every(PERMISSION_REFRESH_MS, send);
  }

  /** RFC 8656 §11: bind a channel to `peer` so data flows as 4-byte-header ChannelData. */
  async channelBind(peer: TransportAddress): Promise<number> {
    const existing = this.channels.get(`${peer.address}:${peer.port}`);
    if (existing !== undefined) return existing;
    const channel = CHANNEL_MIN + this.channels.size;
    const num = Buffer.alloc(4);
    num.writeUInt16BE(channel, 0);
    const bind = (): Promise<StunMessage> =>
      this.request(StunMethod.CHANNEL_BIND, (tid) => [
        { type: StunAttr.CHANNEL_NUMBER, value: num },
        { type: StunAttr.XOR_PEER_ADDRESS, value: encodeXorAddress(peer.address, peer.port, tid) },
      ]);
    await bind();
    this.channels.set(`${peer.address}:${peer.port}`, channel);
    this.channelPeers.set(channel, peer);
    this.every(CHANNEL_REFRESH_MS, bind);
    return channel;
  }

  /** Relay `data` to `peer`: ChannelData when bound (§12), else a Send indication (§10). */
  send(data: Buffer, peer: TransportAddress): void {
    if (this.closed) return;
    const channel = this.channels.get(`${peer.address}:${peer.port}`);
    let out: Buffer;
    if (channel !== undefined) {
      out = Buffer.alloc(4 + data.length);
      out.writeUInt16BE(channel, 0);
      out.writeUInt16BE(data.length, 2);
      data.copy(out, 4);
    } else {
      const tid = randomBytes(12);
      out = encodeStun({
        method: StunMethod.SEND,
        cls: 'indication',
        transactionId: tid,
        attributes: [
          { type: StunAttr.XOR_PEER_ADDRESS, value: encodeXorAddress(peer.address, peer.port, tid) },
          { type: StunAttr.DATA, value: data },
        ],
      });
    }
    this.sendRaw(out);
  }

  /** Release the allocation (Refresh with LIFETIME 0, §7.3) and stop timers. Idempotent. */
  close(): void {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    if (this.key !== undefined) {
      const zero = Buffer.alloc(4);
      this.sendRaw(
        this.build(StunMethod.REFRESH, [{ type: StunAttr.LIFETIME, value: zero }], randomBytes(12)),
      );
    }
    this.closed = true;
    this.o.socket.off('message', this.onMessage);
    if (this.o.ownsSocket) (this.o.socket as { close?: () => void }).close?.();
    for (const resolve of this.pending.values())
      resolve({ method: 0, cls: 'error', transactionId: Buffer.alloc(12), attributes: [] });
    this.pending.clear();
  }

  private refresh(): Promise<StunMessage> {
    const lifetime = Buffer.alloc(4);
    lifetime.writeUInt32BE(this.o.lifetimeSec ?? 600, 0);
    return this.request(StunMethod.REFRESH, () => [{ type: StunAttr.LIFETIME, value: lifetime }]);
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    const t = setInterval(() => void fn().catch(() => undefined), ms);
    t.unref();
    this.timers.push(t);
  }

  private sendRaw(buf: Buffer): void {
    try {
      this.o.socket.send(buf, this.o.server.port, this.o.server.address);
    } catch {
      // closed socket: the allocation just times out on the server
    }
  }

  private build(method: number, attrs: StunAttribute[], tid: Buffer): Buffer {
    const auth: StunAttribute[] =
      this.key === undefined
        ? []
        : [
            { type: StunAttr.USERNAME, value: Buffer.from(this.o.username) },
            { type: StunAttr.REALM, value: Buffer.from(this.realm ?? '') },
            { type: StunAttr.NONCE, value: Buffer.from(this.nonce ?? '') },
          ];
    return encodeStun(
      { method, cls: 'request', transactionId: tid, attributes: [...attrs, ...auth] },
      { ...(this.key ? { integrityKey: this.key } : {}), fingerprint: true },
    );
  }

  /** Send a request with retransmissions; on 401/438 learn REALM/NONCE and retry once (RFC 8489 §9.2.4). */
  private async request(
    method: number,
    attrs: (tid: Buffer) => StunAttribute[],
    retried = false,
  ): Promise<StunMessage> {
    if (this.closed) throw new TurnError(0, 'TURN client closed');
    const tid = randomBytes(12);
    const res = await this.transact(tid, () => this.build(method, attrs(tid), tid));
    if (res.cls === 'success') return res;
    const err = getAttribute(res, StunAttr.ERROR_CODE);
    const code = err && err.length >= 4 ? (err[2]! & 0x7) * 100 + err[3]! : 0;
    if ((code === 401 || code === 438) && !retried) {
      const realm = getAttribute(res, StunAttr.REALM)?.toString('utf8');
      const nonce = getAttribute(res, StunAttr.NONCE)?.toString('utf8');
      if (realm !== undefined) this.realm = realm;
      if (nonce !== undefined) this.nonce = nonce;
      // RFC 8489 §9.2.2: key = MD5(username ":" realm ":" password).
      this.key = createHash('md5')
        .update(`${this.o.username}:${this.realm ?? ''}:${this.o.password}`)
        .digest();
      return this.request(method, attrs, true);
    }
    throw new TurnError(
      code,
      `TURN request 0x${method.toString(16)} failed: ${code} ${err?.subarray(4).toString('utf8') ?? ''}`,
    );
  }

  private transact(tid: Buffer, make: () => Buffer): Promise<StunMessage> {
    const id = tid.toString('hex');
    const rto = this.o.rtoMs ?? 250;
    return new Promise<StunMessage>((resolve, reject) => {
      let tries = 0;
      let timer: NodeJS.Timeout | undefined;
      const fire = (): void => {
        if (this.closed || tries >= (this.o.reliable ? 1 : 5)) {
          this.pending.delete(id);
          reject(new TurnError(0, 'TURN server did not answer'));
          return;
        }
        this.sendRaw(make());
        // Over a stream: sent once, one wait of 31 RTO (the 5 UDP intervals, 1+2+4+8+16).
        timer = setTimeout(fire, this.o.reliable ? rto * 31 : rto * 2 ** tries);
        tries++;
      };
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(m);
      });
      fire();
    });
  }

  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (rinfo.address !== this.o.server.address || rinfo.port !== this.o.server.port) return;
    if (isChannelData(msg)) {
      const peer = this.channelPeers.get(msg.readUInt16BE(0));
      const len = msg.readUInt16BE(2);
      if (peer === undefined || 4 + len > msg.length) return void this.dropped++;
      this.deliver(msg.subarray(4, 4 + len), peer);
      return;
    }
    const m = parseStun(msg);
    if (m === undefined) return void this.dropped++;
    if (m.cls === 'indication' && m.method === StunMethod.DATA) {
      const peerAttr = getAttribute(m, StunAttr.XOR_PEER_ADDRESS);
      const data = getAttribute(m, StunAttr.DATA);
      const peer = peerAttr && decodeXorAddress(peerAttr, m.transactionId);
      if (peer && data) this.deliver(Buffer.from(data), peer);
      return;
    }
    if (m.cls === 'success' || m.cls === 'error') this.pending.get(m.transactionId.toString('hex'))?.(m);
  };

  private deliver(data: Buffer, peer: TransportAddress): void {
    const rinfo: RemoteInfo = { address: peer.address, port: peer.port, family: 'IPv4', size: data.length };
    this.emitter.emit('message', data, rinfo);
  }
}
