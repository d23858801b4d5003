import type net from 'node:net';
import tls from 'node:tls';
import type { Target, Transport } from './transport.js';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.js';

/** Options for {@link TlsTransport}. */
export interface TlsTransportOptions extends StreamTransportOptions {
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
}

/**
 * SIP over TLS (RFC 3261 §26.2.1, §18): like TCP, with the server certificate verified
 * against the target's host name (SNI sent). Connections are reused per remote `ip:port`.
 */
export class TlsTransport extends StreamTransport implements Transport {
  readonly protocol = 'tls' as const;

  constructor(private readonly opts: TlsTransportOptions = {}) {
    super(opts, 5061);
  }

  protected createServer(onSocket: (socket: net.Socket) => void): net.Server {
    const { cert, key, ca } = this.opts;
    const server = tls.createServer({ cert, key, ca }, onSocket);
    server.on('tlsClientError', (err) => this.conns.handlers?.onError?.(err));
    return server;
  }

  protected connect(dest: Target): { socket: net.Socket; readyEvent: 'secureConnect' } {
    const servername = dest.serverName ?? this.opts.servername;
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
    return { socket, readyEvent: 'secureConnect' };
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
