/**
 * The contract between the transport layer and the socket-owning transports
 * (RFC 3261 §18). Stream transports deliver whole, framed SIP messages.
 */

import type { SipParseResult } from '../message/types.js';

/**
 * Transport protocols this stack speaks: RFC 3261 UDP/TCP/TLS, and SIP over WebSocket
 * (RFC 7118: `ws`, and `wss` over TLS) as an outbound-only client transport.
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** True for the WebSocket transports (RFC 7118). */
export function isWebSocketProtocol(p: string): p is 'ws' | 'wss' {
  return p === 'ws' || p === 'wss';
}

/** An IP address and port. IPv6 addresses are bare (no brackets). */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A concrete destination for a message: protocol, IP address and port. */
export interface Target extends Endpoint {
  readonly protocol: TransportProtocol;
  /** TLS server name (SNI) and name to verify the certificate against; default the address. */
  readonly serverName?: string | undefined;
  /**
   * Send over the transport with this {@link Transport.id} (a WebSocket URL, RFC 7118): the
   * flow an account registered over, or the one a request arrived on. Default: chosen by
   * protocol (and, among several WebSocket connections, by the target's host and port).
   */
  readonly connection?: string | undefined;
}

/** Where a message came from. */
export interface MessageSource extends Target {
  /** The transport that received it (so responses reuse it, RFC 3261 §18.2.2). */
  readonly transport: Transport;
}

/** Callbacks a transport delivers to. */
export interface TransportHandlers {
  /** One datagram (parsed by the transport layer). */
  onMessage(data: Buffer, remote: Endpoint): void;
  /**
   * One message framed and parsed by a stream transport (the framer parses while
   * framing, RFC 3261 §18.3), or a framing error result; after a fatal framing error
   * the connection is closed.
   */
  onParsed(result: SipParseResult, remote: Endpoint): void;
  /** A non-fatal socket error (logged by the layer). */
  onError?(err: Error): void;
  /**
   * A client transport's connection (re)opened (RFC 7118 WebSocket): bindings registered
   * over the previous connection are gone with it (RFC 5626 §4.4.1), so registrations over
   * this transport should re-REGISTER now.
   */
  onFlowReady?(): void;
  /**
   * A client transport's open connection closed (RFC 7118 WebSocket): the bindings over it
   * are unreachable until `onFlowReady` (the transport reconnects by itself).
   */
  onFlowLost?(): void;
}

/** A bound SIP transport (UDP socket, TCP/TLS listener plus its connections). */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** True for TCP/TLS: no retransmissions (RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  /** The bound address; valid after `listen()` resolves. */
  readonly local: Endpoint;
  /**
   * The sent-by this transport advertises in Via and Contact instead of its bound address
   * (RFC 7118 §5: a WebSocket client has no reachable address and uses a random
   * `.invalid` host without a port). Undefined for UDP/TCP/TLS.
   */
  readonly advertised?: { readonly host: string; readonly port?: number | undefined } | undefined;
  /**
   * A name unique among the transports of one layer, for client transports that can exist
   * several times per protocol: a WebSocket client's URL. Undefined for UDP/TCP/TLS.
   */
  readonly id?: string | undefined;
  /** The server a client transport connects to (WebSocket URL host and port); undefined for listeners. */
  readonly remote?: Endpoint | undefined;
  /**
   * The IP address a client transport's open connection goes to (its URL host resolved),
   * so a request to the server's IP finds the connection named by host; undefined otherwise.
   */
  readonly connectedAddress?: string | undefined;
  /** Set the receive callbacks (before `listen`). */
  setHandlers(handlers: TransportHandlers): void;
  /** Bind (and listen). Rejects when the address cannot be bound. */
  listen(): Promise<void>;
  /**
   * Send one message. Stream transports reuse an open connection to `dest`
   * (keyed by ip:port) or open one. Rejects on a transport error (RFC 3261 §18.4).
   */
  send(data: Buffer, dest: Target): Promise<void>;
  /** True when a stream connection to `dest` is open (always false for datagrams). */
  hasConnection(dest: Endpoint): boolean;
  /** Close the socket(s). */
  close(): Promise<void>;
}

/** Default maximum SIP message size accepted: 65 535 bytes. */
export const DEFAULT_MAX_MESSAGE_SIZE = 65_535;

/** `ip:port` key for connection maps (IPv6 in brackets). */
export function endpointKey(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** Error raised by transports for a failed send. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}
