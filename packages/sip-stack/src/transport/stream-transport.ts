import type net from 'node:net';
import type { Endpoint, Target, TransportHandlers } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './transport.js';
import { DEFAULT_IDLE_TIMEOUT_MS, StreamConnections } from './stream-connections.js';

/** Options shared by the stream transports (TCP, TLS). */
export interface StreamTransportOptions {
  /** Listen address. Default `0.0.0.0`. */
  readonly host?: string;
  /** Listen port; 0 picks an ephemeral port. Default 5060 (TCP) / 5061 (TLS). */
  readonly port?: number;
  /** Largest message accepted on a connection. Default 65 535 bytes. */
  readonly maxMessageSize?: number;
  /** Idle timeout of inbound connections (outbound ones are kept). Default 300 000 ms. */
  readonly idleTimeoutMs?: number;
  /** CRLFCRLF keep-alive interval on outbound connections (RFC 5626 §4.4.1); 0 = off. Default 0. */
  readonly keepAliveIntervalMs?: number;
  /** Outbound connect (+ handshake) timeout. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

/**
 * What TCP and TLS share (RFC 3261 §18): a listener adopting inbound connections, outbound
 * connections opened on demand and reused per remote `ip:port`, Content-Length framing in
 * `StreamConnections`. Subclasses say how to make the server and how to dial.
 */
export abstract class StreamTransport {
  readonly reliable = true;
  protected readonly conns: StreamConnections;
  private server: net.Server | undefined;
  private bound: Endpoint = { address: '0.0.0.0', port: 0 };

  protected constructor(
    private readonly base: StreamTransportOptions,
    private readonly defaultPort: number,
  ) {
    this.conns = new StreamConnections({
      maxMessageSize: base.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      idleTimeoutMs: base.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      keepAliveIntervalMs: base.keepAliveIntervalMs ?? 0,
    });
  }

  /** A server that calls `onSocket` for each inbound connection (after the handshake for TLS). */
  protected abstract createServer(onSocket: (socket: net.Socket) => void): net.Server;

  /** Starts an outbound connection; `readyEvent` is emitted when it can carry SIP. */
  protected abstract connect(dest: Target): { socket: net.Socket; readyEvent: 'connect' | 'secureConnect' };

  get local(): Endpoint {
    return this.bound;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.conns.handlers = handlers;
  }

  listen(): Promise<void> {
    const server = this.createServer((socket) => {
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
      server.listen(this.base.port ?? this.defaultPort, this.base.host ?? '0.0.0.0', () => {
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

  /** Call `listener` for each CRLF pong from `remote` (RFC 5626 §4.4.1); returns the remover. */
  onPong(remote: Endpoint, listener: () => void): () => void {
    return this.conns.onPong(remote, listener);
  }

  /** Close the connection to `remote` (a failed flow, RFC 5626 §4.4.1); the next send dials anew. */
  closeConnection(remote: Endpoint): void {
    this.conns.close(remote);
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
      const { socket, readyEvent } = this.connect(dest);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, this.base.connectTimeoutMs ?? 10_000);
      timer.unref();
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once(readyEvent, () => {
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
