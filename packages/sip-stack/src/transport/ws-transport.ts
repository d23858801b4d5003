/**
 * SIP over WebSocket (RFC 7118) as an outbound-only client transport: one WebSocket to the
 * SIP server (`ws://` or `wss://`), opened with the `sip` subprotocol (§4), one SIP message
 * per WebSocket message (§4.1), every request and response carried over that connection
 * whatever the next-hop address says (the WS server is our outbound proxy, §5.4 / RFC 5626),
 * reopened with exponential backoff when it drops, and kept alive with WebSocket pings
 * (RFC 6455 §5.5.2; RFC 7118 §6 leaves keep-alive to the WebSocket layer). Our Via and
 * Contact carry a random `<x>.invalid` host (§5), as we have no address the server could
 * reach except this connection.
 */
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Endpoint, Target, Transport, TransportHandlers } from './transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE, TransportError } from './transport.js';

/** Options for {@link WsTransport}. */
export interface WsTransportOptions {
  /** The SIP server's WebSocket URL, `ws://host:port/path` or `wss://host:port/path`. */
  readonly url: string;
  /** WSS verification. `rejectUnauthorized` defaults to true; `ca` defaults to Node's roots. */
  readonly tls?: {
    /** PEM CA bundle the server certificate must chain to. */
    readonly ca?: string | Buffer | undefined;
    /** Verify the server certificate. Default true. */
    readonly rejectUnauthorized?: boolean | undefined;
    /** SNI and name to verify the certificate against; default the URL host. */
    readonly servername?: string | undefined;
  };
  /** Largest message accepted; a bigger frame closes the connection with 1009. Default 65 535 bytes. */
  readonly maxMessageSize?: number;
  /**
   * WebSocket ping interval; a connection that has not answered the previous ping by the
   * next one is dropped and reopened. 0 disables. Default 30 000 ms.
   */
  readonly keepAliveIntervalMs?: number;
  /** Opening handshake timeout, and how long a send waits for a connection. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Reconnect backoff: first delay (default 1000 ms), doubling up to `maxDelayMs` (default 30 000 ms). */
  readonly reconnect?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** The `.invalid` host label for Via/Contact (RFC 7118 §5). Default 12 random characters. */
  readonly instanceHost?: string;
}

/** WebSocket close code for a message too big to process (RFC 6455 §7.4.1). */
export const WS_CLOSE_TOO_BIG = 1009;

interface Waiter {
  resolve(ws: WebSocket): void;
  reject(err: Error): void;
}

/**
 * RFC 7118 SIP WebSocket client: outbound-only, one connection to one URL, reconnecting.
 * A transport layer may hold several (one per server URL), told apart by {@link id}.
 */
export class WsTransport implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  /** RFC 7118 §5: `SIP/2.0/WSS <random>.invalid` in Via, `sip:user@<random>.invalid;transport=ws`. */
  readonly advertised: { readonly host: string };
  /** The server's URL host and port (the source of everything we receive). */
  readonly remote: Endpoint;
  /** The normalised URL (`new URL(url).href`): this connection's name in the transport layer. */
  readonly id: string;
  private readonly url: URL;
  private handlers: TransportHandlers | undefined;
  private ws: WebSocket | undefined;
  private isOpen = false;
  private started = false;
  private stopped = false;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private waiters: Waiter[] = [];
  private bound: Endpoint = { address: '0.0.0.0', port: 0 };
  private peer: string | undefined;

  constructor(private readonly opts: WsTransportOptions) {
    this.url = new URL(opts.url); // throws TypeError on a malformed URL (configuration error)
    if (this.url.protocol !== 'ws:' && this.url.protocol !== 'wss:')
      throw new TypeError(`not a ws:// or wss:// URL: ${opts.url}`);
    this.protocol = this.url.protocol === 'wss:' ? 'wss' : 'ws';
    const port = this.url.port ? Number(this.url.port) : this.protocol === 'wss' ? 443 : 80;
    this.remote = { address: this.url.hostname.replace(/^\[|\]$/g, ''), port };
    this.advertised = { host: `${opts.instanceHost ?? randomLabel()}.invalid` };
    this.id = this.url.href;
  }

  /** The local end of the current connection (`0.0.0.0:0` while there is none). */
  get local(): Endpoint {
    return this.bound;
  }

  /** The IP address of the open connection's server (the URL host resolved); undefined while closed. */
  get connectedAddress(): string | undefined {
    return this.isOpen ? this.peer : undefined;
  }

  /** True while the WebSocket is open. */
  get connected(): boolean {
    return this.isOpen;
  }

  setHandlers(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /** Starts connecting in the background (never rejects: an unreachable server is retried). */
  listen(): Promise<void> {
    this.started = true;
    this.connect();
    return Promise.resolve();
  }

  /**
   * Send one message over the connection (whatever `dest` says, RFC 7118 §5.4): a text
   * frame when it is UTF-8, else a binary frame (§4.1). Waits up to `connectTimeoutMs` for
   * a connection; rejects with TransportError without one (RFC 3261 §18.4).
   */
  async send(data: Buffer, _dest: Target): Promise<void> {
    const ws = await this.ready();
    await new Promise<void>((resolve, reject) => {
      ws.send(data, { binary: !isUtf8(data) }, (err) =>
        err ? reject(new TransportError(`WebSocket send failed: ${err.message}`)) : resolve(),
      );
    });
  }

  /** True while connected: responses go back over this connection (RFC 3261 §18.2.2). */
  hasConnection(_dest: Endpoint): boolean {
    return this.isOpen;
  }

  /** Close the connection (1000) and stop reconnecting. */
  async close(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.failWaiters(new TransportError('transport closed'));
    const ws = this.ws;
    this.ws = undefined;
    this.isOpen = false;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    });
  }

  /** The open socket, or the next one to open (dialling at once if none is under way). */
  private ready(): Promise<WebSocket> {
    if (this.stopped || !this.started)
      return Promise.reject(new TransportError('WebSocket transport not started'));
    if (this.ws && this.isOpen) return Promise.resolve(this.ws);
    if (!this.ws) this.connect(); // in backoff: a message to send is worth a try now
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new TransportError(`no WebSocket connection to ${this.url.href}`));
      }, this.opts.connectTimeoutMs ?? 10_000);
      timer.unref();
      const waiter: Waiter = {
        resolve: (ws) => {
          clearTimeout(timer);
          resolve(ws);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private connect(): void {
    if (this.stopped || this.ws) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const tls = this.opts.tls ?? {};
    const servername = tls.servername ?? this.remote.address;
    // RFC 7118 §4.1: the client offers the `sip` subprotocol; no compression.
    const ws = new WebSocket(this.url, 'sip', {
      handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000,
      maxPayload: this.opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      perMessageDeflate: false,
      ca: tls.ca,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ...(isIp(servername) ? {} : { servername }),
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data, isBinary) => {
      if (this.ws === ws) this.onFrame(ws, toBuffer(data), isBinary);
    });
    ws.on('error', (err) => this.handlers?.onError?.(err));
    ws.on('close', () => this.onClose(ws));
  }

  private onOpen(ws: WebSocket): void {
    if (this.ws !== ws) return;
    // RFC 7118 §4.1: a server that did not accept `sip` cannot be spoken to.
    if (ws.protocol !== 'sip') {
      this.handlers?.onError?.(new TransportError(`server refused the sip subprotocol (${this.url.href})`));
      ws.close(1002);
      return;
    }
    this.isOpen = true;
    this.failures = 0;
    const sock = (
      ws as unknown as { _socket?: { localAddress?: string; localPort?: number; remoteAddress?: string } }
    )._socket;
    this.bound = { address: sock?.localAddress ?? '0.0.0.0', port: sock?.localPort ?? 0 };
    this.peer = sock?.remoteAddress?.replace(/^::ffff:/, '');
    this.startPings(ws);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(ws);
    this.handlers?.onFlowReady?.();
  }

  private onFrame(ws: WebSocket, buf: Buffer, _isBinary: boolean): void {
    // RFC 5626 §4.4.1 CRLF keep-alives also appear over WebSocket: answer a ping, drop a pong.
    if (/^(\r\n)+$/.test(buf.toString('latin1'))) {
      if (buf.length >= 4 && ws.readyState === WebSocket.OPEN) ws.send('\r\n');
      return;
    }
    // RFC 7118 §4.1: text and binary frames both carry one whole message; the layer parses it.
    this.handlers?.onMessage(buf, this.remote);
  }

  private onClose(ws: WebSocket): void {
    if (this.ws !== ws) return;
    const wasOpen = this.isOpen;
    this.ws = undefined;
    this.isOpen = false;
    this.bound = { address: '0.0.0.0', port: 0 };
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    if (this.stopped) return;
    if (wasOpen) this.handlers?.onFlowLost?.();
    // Sends waiting for this attempt fail now (their transactions fail over), the dial goes on.
    if (!wasOpen) this.failWaiters(new TransportError(`cannot connect to ${this.url.href}`));
    this.failures++;
    const initial = this.opts.reconnect?.initialDelayMs ?? 1000;
    const max = this.opts.reconnect?.maxDelayMs ?? 30_000;
    const delay = wasOpen ? Math.min(initial, max) : Math.min(initial * 2 ** (this.failures - 1), max);
    this.reconnectTimer = setTimeout(() => this.connect(), delay * (0.8 + 0.4 * Math.random()));
    this.reconnectTimer.unref();
  }

  private startPings(ws: WebSocket): void {
    const every = this.opts.keepAliveIntervalMs ?? 30_000;
    if (every <= 0) return;
    let alive = true;
    ws.on('pong', () => (alive = true));
    this.pingTimer = setInterval(() => {
      if (!alive) {
        ws.terminate(); // no pong since the last ping: the connection is dead, reopen it
        return;
      }
      alive = false;
      ws.ping();
    }, every);
    this.pingTimer.unref();
  }

  private failWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.reconnectTimer = undefined;
    this.pingTimer = undefined;
  }
}

/** 12 random lowercase letters and digits (RFC 7118 §5 example: `df7jal23ls0d.invalid`). */
function randomLabel(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
