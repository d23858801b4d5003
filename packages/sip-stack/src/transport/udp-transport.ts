import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import type { Endpoint, Target, Transport, TransportHandlers } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE, TransportError } from './transport.js';

/**
 * The socket's resolver: an IP literal answers at once (Node's default `dns.lookup` answers
 * it too, but a tick later, costing a closure and a trip through the tick queue on every
 * `send()` and `bind()`); anything else goes to `dns.lookup` as before.
 */
function literalFirstLookup(
  address: string,
  options: dns.LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const ipFamily = net.isIP(address);
  if (ipFamily !== 0) callback(null, address, ipFamily);
  else if (typeof options === 'number') dns.lookup(address, options, callback);
  else dns.lookup(address, options, callback);
}

/** Options for {@link UdpTransport}. */
export interface UdpTransportOptions {
  /** Bind address; an IPv6 literal binds an IPv6 socket. Default `0.0.0.0`. */
  readonly host?: string;
  /** Bind port; 0 picks an ephemeral port. Default 5060. */
  readonly port?: number;
  /** Datagrams larger than this are dropped. Default 65 535 bytes. */
  readonly maxMessageSize?: number;
  /**
   * Socket receive buffer to request (SO_RCVBUF; the kernel may cap it, e.g. at
   * net.core.rmem_max). Bursts of thousands of messages per second overflow the small
   * default and lose ACKs and BYEs. Default 4 MiB.
   */
  readonly receiveBufferBytes?: number;
}

/**
 * SIP over UDP (RFC 3261 §18): one datagram = one message. Unreliable, so transactions
 * retransmit. Oversized datagrams are dropped before parsing.
 */
export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private socket: dgram.Socket | undefined;
  private handlers: TransportHandlers | undefined;
  private bound: Endpoint = { address: '0.0.0.0', port: 0 };
  private readonly host: string;
  private readonly port: number;
  private readonly maxMessageSize: number;
  private readonly receiveBufferBytes: number;

  constructor(opts: UdpTransportOptions = {}) {
    this.receiveBufferBytes = opts.receiveBufferBytes ?? 4 * 1024 * 1024;
    this.host = opts.host ?? '0.0.0.0';
    this.port = opts.port ?? 5060;
    this.maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  get local(): Endpoint {
    return this.bound;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  listen(): Promise<void> {
    const type = net.isIPv6(this.host) ? 'udp6' : 'udp4';
    const socket = dgram.createSocket({ type, reuseAddr: false, lookup: literalFirstLookup });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      if (data.length > this.maxMessageSize || data.length === 0) return;
      this.handlers?.onMessage(data, { address: rinfo.address, port: rinfo.port });
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      socket.once('error', onError);
      socket.bind(this.port, this.host, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.handlers?.onError?.(err));
        try {
          socket.setRecvBufferSize(this.receiveBufferBytes);
        } catch {
          // best effort: keep the system default
        }
        const a = socket.address();
        this.bound = { address: a.address, port: a.port };
        resolve();
      });
    });
  }

  send(data: Buffer, dest: Target): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new TransportError('UDP transport is not listening'));
    return new Promise((resolve, reject) => {
      socket.send(data, dest.port, dest.address, (err) => {
        if (err)
          reject(new TransportError(`UDP send to ${dest.address}:${dest.port} failed: ${err.message}`));
        else resolve();
      });
    });
  }

  hasConnection(): boolean {
    return false;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
