import net from 'node:net';
import type { Target, Transport } from './transport.js';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.js';

export { stripV4Mapped } from './stream-transport.js';

/** Options for {@link TcpTransport}. */
export type TcpTransportOptions = StreamTransportOptions;

/**
 * SIP over TCP (RFC 3261 §18): a listener for inbound connections plus outbound
 * connections opened on demand and reused per remote `ip:port`. Reliable: no
 * retransmissions. Messages are framed by Content-Length (RFC 3261 §18.3).
 */
export class TcpTransport extends StreamTransport implements Transport {
  readonly protocol = 'tcp' as const;

  constructor(opts: TcpTransportOptions = {}) {
    super(opts, 5060);
  }

  protected createServer(onSocket: (socket: net.Socket) => void): net.Server {
    return net.createServer(onSocket);
  }

  protected connect(dest: Target): { socket: net.Socket; readyEvent: 'connect' } {
    return { socket: net.connect({ host: dest.address, port: dest.port }), readyEvent: 'connect' };
  }
}
