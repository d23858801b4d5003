/**
 * The transport layer (RFC 3261 §18, RFC 3581): owns the transports, stamps the top Via
 * of outgoing requests, adds `received`/`rport` to incoming requests, routes responses,
 * parses input and answers or drops what cannot be parsed. Never throws on input.
 */
import type { SipMessage, SipParseResult, SipRequest, SipResponse, Via } from '../message/types.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import { formatVia, parseVia } from '../message/via.js';
import { validateResponse } from '../message/validate.js';
import type { Endpoint, MessageSource, Target, Transport, TransportProtocol } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE, TransportError, isWebSocketProtocol } from './transport.js';
import type { MessageInfo } from './message-info.js';
import { readMessageInfo } from './message-info.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { advertisedHost } from './local-address.js';
import { errorResponse } from './error-response.js';

/** Receiver of parsed messages (the transaction layer). */
export interface TransportLayerUser {
  onRequest(req: SipRequest, info: MessageInfo, source: MessageSource): void;
  onResponse(res: SipResponse, info: MessageInfo, source: MessageSource): void;
}

/** Options of {@link TransportLayer}. */
export interface TransportLayerOptions {
  readonly transports: readonly Transport[];
  /** Host for Via sent-by / Contact instead of the bound address. Default: derived from the bind. */
  readonly publicAddress?: string | undefined;
  /** Largest accepted message. Default 65 535 bytes. */
  readonly maxMessageSize?: number | undefined;
  readonly logger?: Logger | undefined;
  /** Non-fatal socket errors (after logging at warn). */
  readonly onError?: ((err: Error) => void) | undefined;
  /** A client transport (WebSocket, RFC 7118) opened or reopened its connection. */
  readonly onFlowReady?: ((transport: Transport) => void) | undefined;
  /** A client transport's (WebSocket) open connection closed; it reconnects by itself. */
  readonly onFlowLost?: ((transport: Transport) => void) | undefined;
}

/** Default port per transport (RFC 3261 §19.1.2): 5060, or 5061 for TLS (and WSS). */
export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' || protocol === 'wss' ? 5061 : 5060;
}

/** Advertised Via sent-by / Contact host and port; no port for WebSocket `.invalid` hosts. */
export interface SentBy {
  readonly host: string;
  readonly port?: number | undefined;
}

/**
 * RFC 3261 §18 transport layer over one or more bound transports. UDP, TCP and TLS have
 * one transport each (the first configured); WebSocket clients (RFC 7118) may be several,
 * one per server URL, named by {@link Transport.id} and added or removed at run time.
 */
export class TransportLayer {
  private readonly list: Transport[] = [];
  private readonly byProtocol = new Map<TransportProtocol, Transport>();
  private readonly sentBy = new Map<TransportProtocol, SentBy>();
  private readonly maxMessageSize: number;
  private readonly logger: Logger;
  private started = false;
  user: TransportLayerUser | undefined;

  constructor(private readonly opts: TransportLayerOptions) {
    this.maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.logger = opts.logger ?? silentLogger;
    for (const t of opts.transports) this.attach(t);
  }

  /** Bind every transport; compute the advertised sent-by of each. */
  async start(): Promise<void> {
    this.started = true;
    for (const t of [...this.list]) await this.bind(t);
  }

  /** Close every transport. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all(this.list.map((t) => t.close()));
  }

  /** Every transport, in configuration (then addition) order. */
  get transports(): readonly Transport[] {
    return this.list;
  }

  /** The transport named `id` ({@link Transport.id}: a WebSocket URL), if present. */
  transportById(id: string): Transport | undefined {
    return this.list.find((t) => t.id === id);
  }

  /**
   * Add a transport at run time, e.g. the WebSocket connection (RFC 7118) of an account
   * added by a configuration reload; bound (connected) at once when the layer has started.
   * Throws TypeError when a transport with the same id is already present.
   */
  async addTransport(t: Transport): Promise<void> {
    if (t.id !== undefined && this.transportById(t.id))
      throw new TypeError(`transport ${t.id} is already present`);
    this.attach(t);
    if (this.started) await this.bind(t);
  }

  /**
   * Remove the transport named `id` (or that transport) and close it. Later sends that name
   * it fall back to the protocol's remaining transport. Resolves false when it is not present.
   */
  async removeTransport(idOrTransport: string | Transport): Promise<boolean> {
    const t = typeof idOrTransport === 'string' ? this.transportById(idOrTransport) : idOrTransport;
    const at = t ? this.list.indexOf(t) : -1;
    if (!t || at < 0) return false;
    this.list.splice(at, 1);
    const next = this.list.find((o) => o.protocol === t.protocol);
    if (this.byProtocol.get(t.protocol) === t) {
      if (next) this.byProtocol.set(t.protocol, next);
      else this.byProtocol.delete(t.protocol);
      // RFC 7118 §5: the advertised `.invalid` host follows the protocol's first transport.
      if (t.advertised) {
        if (next?.advertised) this.sentBy.set(t.protocol, next.advertised);
        else this.sentBy.delete(t.protocol);
      }
    }
    await t.close();
    return true;
  }

  private attach(t: Transport): void {
    this.list.push(t);
    if (!this.byProtocol.has(t.protocol)) this.byProtocol.set(t.protocol, t);
    // RFC 7118 §5: a WebSocket client's `.invalid` sent-by is known before it connects.
    if (t.advertised && !this.sentBy.has(t.protocol)) this.sentBy.set(t.protocol, t.advertised);
    const opts = this.opts;
    t.setHandlers({
      onMessage: (data, remote) => this.receive(t, data, remote),
      onParsed: (result, remote) => this.dispatch(t, result, remote),
      onError: (err) => {
        this.logger.warn({ err }, 'transport error');
        opts.onError?.(err);
      },
      onFlowReady: () => opts.onFlowReady?.(t),
      onFlowLost: () => opts.onFlowLost?.(t),
    });
  }

  private async bind(t: Transport): Promise<void> {
    await t.listen();
    if (!this.sentBy.has(t.protocol)) {
      // RFC 7118 §5: a WebSocket client advertises its own `.invalid` host, never publicAddress.
      this.sentBy.set(
        t.protocol,
        t.advertised ?? {
          host: advertisedHost(t.local.address, this.opts.publicAddress),
          port: t.local.port,
        },
      );
    }
  }

  /**
   * The transport used for `protocol`, if configured. `ws` and `wss` stand in for each
   * other: RFC 7118 §5.2 has one URI `transport=ws` for both, so a Record-Route or Contact
   * naming `ws` is reached over whichever WebSocket transport we have.
   */
  transportFor(protocol: TransportProtocol): Transport | undefined {
    const t = this.byProtocol.get(protocol);
    if (t || !isWebSocketProtocol(protocol)) return t;
    return this.byProtocol.get(protocol === 'ws' ? 'wss' : 'ws');
  }

  /** True when `protocol` is a reliable (stream) transport. */
  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  /** The advertised host[:port] for `protocol` (Via sent-by, Contact). */
  localSentBy(protocol: TransportProtocol): SentBy | undefined {
    const own =
      this.sentBy.get(protocol) ?? this.sentBy.get(this.transportFor(protocol)?.protocol ?? protocol);
    return own ?? this.sentBy.values().next().value;
  }

  /**
   * Prepend our Via (RFC 3261 §8.1.1.7, §18.1.1): transport token, advertised sent-by,
   * the given branch and an empty `rport` (RFC 3581 §3). Mutates `req.headers`.
   */
  addVia(req: SipRequest, protocol: TransportProtocol, branch: string): void {
    // RFC 7118 §5: the Via transport is WS or WSS after the transport actually used.
    const used = this.transportFor(protocol)?.protocol ?? protocol;
    const sb = this.localSentBy(used) ?? { host: '127.0.0.1', port: defaultPort(used) };
    req.headers.unshift({
      name: 'Via',
      value: `SIP/2.0/${used.toUpperCase()} ${formatSentBy(sb)};branch=${branch};rport`,
    });
  }

  /**
   * The transport a message to `target` goes over: the one named by `target.connection`;
   * among several WebSocket connections (RFC 7118, each its own server), the one whose URL
   * host (or connected IP address) and port are the target's (a Record-Route, Contact or
   * registrar naming that server), else the only one on the target's host; otherwise the protocol's transport
   * ({@link transportFor}).
   */
  transportForTarget(target: Target): Transport | undefined {
    if (target.connection !== undefined) {
      const named = this.transportById(target.connection);
      if (named) return named;
    }
    if (isWebSocketProtocol(target.protocol)) {
      const ws = this.list.filter((t) => isWebSocketProtocol(t.protocol) && t.remote);
      if (ws.length > 1) {
        const host = target.address.toLowerCase();
        // By URL host, or by the IP the URL's host name resolved to (a Contact naming the IP).
        const onHost = ws.filter(
          (t) => t.remote?.address.toLowerCase() === host || t.connectedAddress?.toLowerCase() === host,
        );
        const exact = onHost.find((t) => t.remote?.port === target.port);
        if (exact) return exact;
        if (onHost.length === 1) return onHost[0];
      }
    }
    return this.transportFor(target.protocol);
  }

  /** Send bytes to a target over the transport {@link transportForTarget} picks (rejects with TransportError). */
  send(bytes: Buffer, target: Target): Promise<void> {
    const t = this.transportForTarget(target);
    if (!t) return Promise.reject(new TransportError(`no ${target.protocol} transport configured`));
    if (!t.reliable && bytes.length > this.maxMessageSize) {
      return Promise.reject(new TransportError(`message of ${bytes.length} bytes exceeds the maximum`));
    }
    return t.send(bytes, target);
  }

  /**
   * Where to send responses to a request (RFC 3261 §18.2.2, RFC 3581 §4): back over the
   * same connection for streams while it is open; otherwise to `received` (or the sent-by
   * host) at the `rport` value (or the sent-by port, or the default port).
   */
  responseTarget(info: MessageInfo, source: MessageSource): Target {
    const protocol = source.protocol;
    // Over one of several WebSocket connections: back over that one (RFC 7118 §5.4).
    const connection = source.transport.id;
    if (source.transport.reliable && source.transport.hasConnection(source)) {
      return { protocol, address: source.address, port: source.port, ...(connection ? { connection } : {}) };
    }
    const via = info.via;
    const received = via.params.get('received');
    const rport = via.params.get('rport');
    const address = received ?? via.host;
    const port = rport ? Number(rport) : (via.port ?? defaultPort(protocol));
    return {
      protocol,
      address,
      port: Number.isInteger(port) && port > 0 ? port : defaultPort(protocol),
      ...(connection ? { connection } : {}),
    };
  }

  private receive(transport: Transport, data: Buffer, remote: Endpoint): void {
    if (data.length > this.maxMessageSize) return; // oversize: drop before parsing
    this.dispatch(transport, parseMessage(data, { maxSize: this.maxMessageSize }), remote);
  }

  private dispatch(transport: Transport, parsed: SipParseResult, remote: Endpoint): void {
    const source: MessageSource = {
      protocol: transport.protocol,
      address: remote.address,
      port: remote.port,
      transport,
    };
    if (!parsed.ok) {
      this.logger.debug({ remote, reason: parsed.reason }, 'unparsable message');
      // RFC 3261 §8.2 / RFC 4475: answer a request we can still address; drop everything else.
      if (parsed.partial && parsed.status) this.answerUnparsable(parsed.partial, parsed.status, '', source);
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'request') this.receiveRequest(msg, source);
    else this.receiveResponse(msg, source);
  }

  private receiveRequest(req: SipRequest, source: MessageSource): void {
    const via = stampReceived(req, source);
    if (!via) {
      // RFC 4475 §3.1.2.1 (badinv01): an unusable Via still deserves a 400, sent back to
      // where the request came from (there is no sent-by to use).
      this.answerUnparsable(req, 400, 'Bad Request', source);
      return;
    }
    const info = readMessageInfo(req, via);
    if (!info) {
      this.answerUnparsable(req, 400, 'Bad Request', source);
      return;
    }
    try {
      this.user?.onRequest(req, info, source);
    } catch (err) {
      this.logger.error({ err }, 'request handler threw');
    }
  }

  private receiveResponse(res: SipResponse, source: MessageSource): void {
    // RFC 3261 §18.1.2, §8.1.3.3: malformed responses (or more than one Via) are silently discarded.
    const info = validateResponse(res) === undefined ? readMessageInfo(res) : undefined;
    if (!info) return;
    try {
      this.user?.onResponse(res, info, source);
    } catch (err) {
      this.logger.error({ err }, 'response handler threw');
    }
  }

  private answerUnparsable(req: SipRequest, status: number, reason: string, source: MessageSource): void {
    if (req.method === 'ACK') return; // never answer an ACK (RFC 3261 §17)
    const via = stampReceived(req, source);
    const info = via ? readMessageInfo(req, via) : undefined;
    const res = errorResponse(req, status, reason);
    if (!res) return;
    const target = info
      ? this.responseTarget(info, source)
      : { protocol: source.protocol, address: source.address, port: source.port };
    this.send(serializeMessage(res), target).catch((err: unknown) => {
      this.logger.debug({ err }, 'could not answer an unparsable request');
    });
  }
}

/** `host:port` (IPv6 in brackets), or the host alone when there is no port (RFC 7118 §5). */
export function formatSentBy(sb: SentBy): string {
  const host = sb.host.includes(':') ? `[${sb.host}]` : sb.host;
  return sb.port === undefined ? host : `${host}:${sb.port}`;
}

/**
 * RFC 3261 §18.2.1: add `received` when the sent-by host differs from the source address;
 * RFC 3581 §4: when `rport` is present (empty), fill it with the source port and always
 * add `received`. Rewrites the top Via line in place. Returns the (updated) top Via, or
 * undefined when there is no parsable Via.
 */
export function stampReceived(msg: SipMessage, source: Endpoint): Via | undefined {
  const headers = msg.headers;
  const at = headers.findIndex((h) => h.name === 'Via');
  const line = at < 0 ? undefined : headers[at];
  if (!line) return undefined;
  const vias = parseVia(line.value);
  const top: Via | undefined = vias[0];
  if (!top) return undefined;
  const hasRport = top.params.has('rport');
  if (!hasRport && top.host === source.address) return top;
  top.params.set('received', source.address);
  if (hasRport) top.params.set('rport', String(source.port));
  headers[at] = { name: 'Via', value: vias.map(formatVia).join(', ') };
  return top;
}
