import type net from 'node:net';
import tls from 'node:tls';
import type { Endpoint, Target, Transport, TransportHandlers } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from './transport.js';
import { DEFAULT_IDLE_TIMEOUT_MS, StreamConnections } from './stream-connections.js';
import { stripV4Mapped } from './tcp-transport.js';

/** Options for {@link TlsTransport}. */
export interface TlsTransportOptions {
  /** Listen address. Default `0.0.0.0`. */
  readonly host?: string;
  /** Listen port; 0 picks an ephemeral port. Default 5061. */
  readonly port?: number;
  /** PEM certificate chain presented to peers (required to accept inbound TLS). */
  readonly cert?: string | Buffer;
  /** PEM private key for `cert`. */
  readonly key?: string | Buffer;
  /** PEM CA bundle to verify peers against; default Node's bundled roots. */
  readonly ca?: string | Buffer;
  /** Verify the server certificate on outbound connections. Default true. */
  readonly rejectUnauthorized?: boolean;
  /** SNI / verification name for outbound connections when the target carries none. */
  readonly servername?: string;
  /** Largest message accepted. Default 65 535 bytes. */
  readonly maxMessageSize?: number;
  /** Idle timeout of inbound connections (outbound ones are kept). Default 300 000 ms. */
  readonly idleTimeoutMs?: number;
  /** CRLFCRLF keep-alive interval on outbound connections (RFC 5626 §4.4.1); 0 = off. Default 0. */
  readonly keepAliveIntervalMs?: number;
  /** Outbound connect + handshake timeout. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

/**
 * SIP over TLS (RFC 3261 §26.2.1, §18): like TCP, with the server certificate verified
 * against the target's host name (SNI sent). Connections are reused per remote `ip:port`.
 */
export class TlsTransport implements Transport {
  readonly protocol = 'tls' as const;
  readonly reliable = true;
  private server: tls.Server | undefined;
  private bound: Endpoint = { address: '0.0.0.0', port: 0 };
  private readonly conns: StreamConnections;

  constructor(private readonly opts: TlsTransportOptions = {}) {
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
    const { cert, key, ca } = this.opts;
    const server = tls.createServer({ cert, key, ca }, (socket) => {
      const address = socket.remoteAddress;
      const port = socket.remotePort;
      if (address === undefined || port === undefined) {
        socket.destroy();
        return;
      }
      this.conns.adopt(socket, { address: stripV4Mapped(address), port });
    });
    server.on('tlsClientError', (err) => this.conns.handlers?.onError?.(err));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 5061, this.opts.host ?? '0.0.0.0', () => {
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
    const servername = dest.serverName ?? this.opts.servername;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: dest.address,
        port: dest.port,
        ca: this.opts.ca,
        cert: this.opts.cert,
        key: this.opts.key,
        // RFC 3261 §26.2.1 / RFC 5922: verify the server certificate against the target name.
        rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
        servername: servername && !isIp(servername) ? servername : undefined,
        checkServerIdentity: (host, cert) => tls.checkServerIdentity(servername ?? host, cert),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('TLS connect timeout'));
      }, this.opts.connectTimeoutMs ?? 10_000);
      timer.unref();
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
    });
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
