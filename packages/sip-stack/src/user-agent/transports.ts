/** Building transports from {@link TransportConfig} entries. */
import type { Transport } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import { TlsTransport } from '../transport/tls-transport.js';
import { WsTransport } from '../transport/ws-transport.js';
import type { TransportConfig } from './options.js';

/** One socket-owning transport per config entry. */
export function createTransports(configs: readonly TransportConfig[], maxMessageSize: number): Transport[] {
  return configs.map((c) => {
    const host = c.host ?? '0.0.0.0';
    switch (c.protocol) {
      case 'udp':
        return new UdpTransport({ host, port: c.port ?? 5060, maxMessageSize });
      case 'tcp':
        return new TcpTransport({ host, port: c.port ?? 5060, maxMessageSize, ...streamOpts(c) });
      case 'tls':
        return new TlsTransport({ host, port: c.port ?? 5061, maxMessageSize, ...streamOpts(c), ...c.tls });
      case 'ws':
      case 'wss':
        return new WsTransport({
          url: c.url ?? `${c.protocol}://${host}:${c.port ?? (c.protocol === 'wss' ? 443 : 80)}/`,
          tls: c.tls,
          maxMessageSize,
          keepAliveIntervalMs: c.keepAliveIntervalMs,
        });
    }
  });
}

function streamOpts(c: TransportConfig): { keepAliveIntervalMs?: number; idleTimeoutMs?: number } {
  return { keepAliveIntervalMs: c.keepAliveIntervalMs, idleTimeoutMs: c.idleTimeoutMs };
}
