import type net from 'node:net';
import type { Endpoint, TransportHandlers } from './transport.js';
import { TransportError, endpointKey } from './transport.js';
import { SipStreamFramer, isKeepalive } from '../message/stream-framer.js';

/** Options shared by the TCP and TLS transports. */
export interface StreamOptions {
  /** Largest framed message accepted. Default 65 535 bytes. */
  readonly maxMessageSize: number;
  /**
   * Close an inbound connection after this long without traffic. Default 300 000 ms
   * (5 min). Connections we opened are kept (they carry our registration flows,
   * RFC 5626 §3.3, on which the registrar sends us requests).
   */
  readonly idleTimeoutMs: number;
  /**
   * Send a CRLFCRLF ping on connections we opened every this many ms (RFC 5626 §4.4.1,
   * keeps NAT bindings of registration flows alive); 0 disables. Default 0.
   */
  readonly keepAliveIntervalMs?: number;
}

/** Default stream idle timeout: 5 minutes. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/**
 * The open connections of one stream transport, keyed by remote `ip:port`
 * (RFC 3261 §18: reuse a connection to the same destination; responses go back on the
 * connection the request came in on, §18.2.2). Owns framing and keep-alive pongs.
 */
export class StreamConnections {
  private readonly byKey = new Map<string, net.Socket>();
  private readonly pendingByKey = new Map<string, Promise<net.Socket>>();
  /** Listeners for CRLF pongs (RFC 5626 §4.4.1) per remote `ip:port`. */
  private readonly pongListeners = new Map<string, Set<() => void>>();
  handlers: TransportHandlers | undefined;

  constructor(private readonly opts: StreamOptions) {}

  /** True when an open connection to `dest` exists. */
  has(dest: Endpoint): boolean {
    return this.byKey.has(endpointKey(dest));
  }

  /**
   * Call `listener` for each CRLF pong received from `remote` (RFC 5626 §4.4.1: the answer
   * to our CRLFCRLF ping on a registration flow). Returns the function that removes it.
   */
  onPong(remote: Endpoint, listener: () => void): () => void {
    const key = endpointKey(remote);
    let set = this.pongListeners.get(key);
    if (!set) this.pongListeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.pongListeners.get(key) === set) this.pongListeners.delete(key);
    };
  }

  /** Destroy the connection to `remote`, if any (a flow declared failed, RFC 5626 §4.4.1). */
  close(remote: Endpoint): void {
    const key = endpointKey(remote);
    this.byKey.get(key)?.destroy();
    this.byKey.delete(key);
  }

  /** Adopt a connected socket (accepted or dialled): frame it, track it, forget it on close. */
  adopt(socket: net.Socket, remote: Endpoint, outbound = false): void {
    const key = endpointKey(remote);
    this.byKey.set(key, socket);
    socket.setNoDelay(true);
    if (!outbound) socket.setTimeout(this.opts.idleTimeoutMs, () => socket.destroy());
    const every = this.opts.keepAliveIntervalMs ?? 0;
    if (outbound && every > 0) {
      const timer = setInterval(() => {
        if (socket.writable) socket.write('\r\n\r\n');
      }, every);
      timer.unref();
      socket.once('close', () => clearInterval(timer));
    }
    const framer = new SipStreamFramer({ maxMessageSize: this.opts.maxMessageSize });
    socket.on('data', (chunk: Buffer) => this.onData(socket, framer, chunk, remote));
    socket.on('error', (err) => this.handlers?.onError?.(err));
    socket.on('close', () => {
      if (this.byKey.get(key) === socket) this.byKey.delete(key);
    });
  }

  private onData(socket: net.Socket, framer: SipStreamFramer, chunk: Buffer, remote: Endpoint): void {
    for (const item of framer.push(chunk)) {
      if (isKeepalive(item)) {
        // RFC 5626 §4.4.1: answer a CRLFCRLF ping with a single CRLF pong.
        if (item.keepalive === 'ping' && socket.writable) socket.write('\r\n');
        else if (item.keepalive === 'pong') this.notifyPong(remote);
        continue;
      }
      this.handlers?.onParsed(item, remote);
    }
    // The message boundary is lost after a fatal framing error: close the connection, but
    // let the error response written above (400/513, RFC 3261 §18.3) leave first.
    if (framer.failed && !socket.destroyed && !socket.writableEnded) {
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    }
  }

  private notifyPong(remote: Endpoint): void {
    for (const listener of [...(this.pongListeners.get(endpointKey(remote)) ?? [])]) {
      try {
        listener();
      } catch (err) {
        this.handlers?.onError?.(err as Error);
      }
    }
  }

  /**
   * Write to the connection for `dest`, dialling it with `dial` when none is open.
   * Concurrent sends to the same new destination share one connection attempt.
   */
  async send(data: Buffer, dest: Endpoint, dial: () => Promise<net.Socket>): Promise<void> {
    const key = endpointKey(dest);
    let socket = this.byKey.get(key);
    if (!socket || socket.destroyed) {
      let pending = this.pendingByKey.get(key);
      if (!pending) {
        pending = dial().then(
          (s) => {
            this.pendingByKey.delete(key);
            this.adopt(s, dest, true);
            return s;
          },
          (err: unknown) => {
            this.pendingByKey.delete(key);
            throw new TransportError(`connect to ${key} failed: ${(err as Error).message}`);
          },
        );
        this.pendingByKey.set(key, pending);
      }
      socket = await pending;
    }
    const s = socket;
    await new Promise<void>((resolve, reject) => {
      s.write(data, (err) =>
        err ? reject(new TransportError(`write to ${key} failed: ${err.message}`)) : resolve(),
      );
    });
  }

  /** Destroy every connection. */
  closeAll(): void {
    for (const s of this.byKey.values()) s.destroy();
    this.byKey.clear();
  }
}
