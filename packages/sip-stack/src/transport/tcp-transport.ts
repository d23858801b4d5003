import net from 'node:net';
import type { Endpoint, Target, Transport, TransportHandlers } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './transport.js';
import { DEFAULT_IDLE_TIMEOUT_MS, StreamConnections } from './stream-connections.js';

/** Options for {@link TcpTransport}. */
export interface TcpTransportOptions {
  /** Listen address. Default `0.0.0.0`. */
  readonly host?: string;
  /** Listen port; 0 picks an ephemeral port. Default 5060. */
  readonly port?: number;
  /** Largest message accepted on a connection. Default 65 535 bytes. */
  readonly maxMessageSize?: number;
  /** Idle timeout of inbound connections (outbound ones are kept). Default 300 000 ms. */
  readonly idleTimeoutMs?: number;
  /** CRLFCRLF keep-alive interval on outbound connections (RFC 5626 §4.4.1); 0 = off. Default 0. */
  readonly keepAliveIntervalMs?: number;
  /** Outbound connect timeout. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

/**
 * SIP over TCP (RFC 3261 §18): a listener for inbound connections plus outbound
 * connections opened on demand and reused per remote `ip:port`. Reliable: no
 * retransmissions. Messages are framed by Content-Length (RFC 3261 §18.3).
 */
export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  private server: net.Server | undefined;
  private bound: Endpoint = { address: '0.0.0.0', port: 0 };
  private readonly conns: StreamConnections;
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;

  constructor(opts: TcpTransportOptions = {}) {
    this.host = opts.host ?? '0.0.0.0';
    this.port = opts.port ?? 5060;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.conns = new StreamConnections({
      maxMessageSize: opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      keepAliveIntervalMs: opts.keepAliveIntervalMs ?? 0,
    });
  }

  get local(): Endpoint {
    return this.bound;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.conns.handlers = handlers;
  }

  listen(): Promise<void> {
    const server = net.createServer((socket) => {
      const address = socket.remoteAddress;
      const port = socket.remotePort;
      if (address === undefined || port === undefined) {
        socket.destroy();
        return;
      }
      this.conns.adopt(socket, { address: stripV4Mapped(address), port });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.conns.handlers?.onError?.(err));
        const a = server.address() as net.AddressInfo;
        this.bound = { address: a.address, port: a.port };
        resolve();
      });
    });
  }

  send(data: Buffer, dest: Target): Promise<void> {
    return this.conns.send(data, dest, () => this.dial(dest));
  }

  hasConnection(dest: Endpoint): boolean {
    return this.conns.has(dest);
  }

  close(): Promise<void> {
    this.conns.closeAll();
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private dial(dest: Target): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: dest.address, port: dest.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, this.connectTimeoutMs);
      timer.unref();
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }
}

/** `::ffff:1.2.3.4` -> `1.2.3.4` (dual-stack listeners report IPv4 peers this way). */
export function stripV4Mapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
