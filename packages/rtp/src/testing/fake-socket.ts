/**
 * In-memory datagram network for session tests: sockets bound to `address:port` on a
 * {@link FakeNetwork} deliver to each other synchronously, or after a per-datagram
 * latency on a {@link FakeMediaClock} (network jitter, reordering, loss). No real sockets.
 */
import type { RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { DatagramSocket } from '../session/session-types.js';
import type { FakeMediaClock } from './fake-media-clock.js';

/** A datagram as seen by the network. */
export interface FakeDatagram {
  readonly from: { address: string; port: number };
  readonly to: { address: string; port: number };
  readonly data: Buffer;
}

/** Connects {@link FakeSocket}s; `filter` may drop or rewrite datagrams in flight. */
export class FakeNetwork {
  private readonly sockets = new Map<string, FakeSocket>();
  /** Every datagram sent, in order. */
  readonly log: FakeDatagram[] = [];
  /** Return `undefined` to drop a datagram, or a (possibly modified) buffer to deliver it. */
  filter: (d: FakeDatagram) => Buffer | undefined = (d) => d.data;
  /** One-way latency per datagram in ms (needs `clock`); 0 delivers synchronously. */
  latencyMs: (d: FakeDatagram) => number = () => 0;

  /** @param clock schedules delayed deliveries when `latencyMs` returns > 0. */
  constructor(private readonly clock?: FakeMediaClock) {}

  /** Create a socket bound to `address:port`. */
  bind(address: string, port: number): FakeSocket {
    const s = new FakeSocket(this, address, port);
    this.sockets.set(`${address}:${port}`, s);
    return s;
  }

  /** @internal */
  deliver(d: FakeDatagram): void {
    this.log.push(d);
    const data = this.filter(d);
    if (!data) return;
    const target = this.sockets.get(`${d.to.address}:${d.to.port}`);
    const latency = this.latencyMs(d);
    if (latency > 0 && this.clock)
      this.clock.at(this.clock.now() + latency, () => target?.receive(data, d.from));
    else target?.receive(data, d.from);
  }
}

/** A fake UDP socket implementing the session's {@link DatagramSocket}. */
export class FakeSocket extends EventEmitter implements DatagramSocket {
  /** Datagrams sent from this socket. */
  readonly sent: FakeDatagram[] = [];

  constructor(
    private readonly network: FakeNetwork,
    readonly address: string,
    readonly port: number,
  ) {
    super();
  }

  send(
    msg: Buffer,
    port: number,
    address: string,
    callback?: (error: Error | null, bytes: number) => void,
  ): void {
    const d = {
      from: { address: this.address, port: this.port },
      to: { address, port },
      data: Buffer.from(msg),
    };
    this.sent.push(d);
    this.network.deliver(d);
    callback?.(null, msg.length);
  }

  /** Inject a datagram as if it came from `from`. */
  receive(data: Buffer, from: { address: string; port: number }): void {
    const rinfo: RemoteInfo = { address: from.address, port: from.port, family: 'IPv4', size: data.length };
    this.emit('message', data, rinfo);
  }
}
