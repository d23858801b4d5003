import type {
  Endpoint,
  Target,
  Transport,
  TransportHandlers,
  TransportProtocol,
} from '../transport/transport.js';
import { TransportError, endpointKey } from '../transport/transport.js';
import { parseMessage } from '../message/parse.js';

/** One message captured by a {@link FakeTransport}. */
export interface SentMessage {
  readonly data: Buffer;
  readonly dest: Target;
  /** `data` as latin1 text, for assertions. */
  readonly text: string;
}

/**
 * An in-memory {@link Transport} for unit tests: records what is sent (`sent`), lets a test
 * inject received bytes (`inject`), and can be linked to a peer (`linkFakeTransports`),
 * in which case sends are delivered to the peer on the next microtask.
 */
export class FakeTransport implements Transport {
  readonly reliable: boolean;
  readonly local: Endpoint;
  /** Everything sent, in order. */
  readonly sent: SentMessage[] = [];
  /** When set, the next `send` calls reject with this error (count decrements). */
  failSends = 0;
  closed = false;
  private handlers: TransportHandlers | undefined;
  private peer: FakeTransport | undefined;
  private readonly connections = new Set<string>();

  /**
   * @param protocol Protocol to claim; `tcp`/`tls` make it reliable.
   * @param local Address to report as bound. Default 127.0.0.1:5060.
   */
  constructor(
    readonly protocol: TransportProtocol = 'udp',
    local: Endpoint = { address: '127.0.0.1', port: 5060 },
  ) {
    this.reliable = protocol !== 'udp';
    this.local = local;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  listen(): Promise<void> {
    return Promise.resolve();
  }

  send(data: Buffer, dest: Target): Promise<void> {
    if (this.failSends > 0 || this.closed) {
      this.failSends = Math.max(0, this.failSends - 1);
      return Promise.reject(new TransportError(`fake send to ${endpointKey(dest)} failed`));
    }
    this.sent.push({ data, dest, text: data.toString('latin1') });
    if (this.reliable) this.connections.add(endpointKey(dest));
    const peer = this.peer;
    if (peer) queueMicrotask(() => peer.inject(data, this.local));
    return Promise.resolve();
  }

  hasConnection(dest: Endpoint): boolean {
    return this.reliable && this.connections.has(endpointKey(dest));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Deliver `data` as if received from `from` (default 127.0.0.1:5070). Streams are parsed here as a framer would. */
  inject(data: Buffer | string, from: Endpoint = { address: '127.0.0.1', port: 5070 }): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (this.reliable) {
      this.connections.add(endpointKey(from));
      this.handlers?.onParsed(parseMessage(bytes, { stream: true }), from);
    } else {
      this.handlers?.onMessage(bytes, from);
    }
  }

  /** The last message sent, or undefined. */
  last(): SentMessage | undefined {
    return this.sent[this.sent.length - 1];
  }

  /** Link this transport to `peer` so that each one's sends arrive at the other. */
  linkTo(peer: FakeTransport): void {
    this.peer = peer;
  }
}

/** Make two fake transports deliver to each other (asynchronously, on a microtask). */
export function linkFakeTransports(a: FakeTransport, b: FakeTransport): void {
  a.linkTo(b);
  b.linkTo(a);
}
