/**
 * TURN over TLS (RFC 8656 §3.1; the `turns:` URI of RFC 7065 §3.1, default port 5349): one
 * TLS connection to the TURN server carrying STUN messages and ChannelData, each framed by
 * its own length field (RFC 8656 §3.1: "the STUN length field ... is used to delineate
 * messages"; §12.5: over a stream, ChannelData is padded to a multiple of 4 bytes). The
 * connection is presented as a {@link DatagramSocket} whose only peer is the server, so a
 * {@link TurnClient} (with `reliable: true`) runs over it unchanged and its relayed
 * socket still relays UDP to the peers (REQUESTED-TRANSPORT UDP, §7.1).
 */
import type { RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { DatagramSocket } from '../session/session-types.js';
import type { TransportAddress } from './ice-lite.js';

/** Default `turns:` port (RFC 7065 §3.1, RFC 8656 §3.1). */
export const TURNS_DEFAULT_PORT = 5349;

/** A `turns:` server (RFC 7065 §3.1): host and port (default 5349). */
export interface TurnsUri {
  readonly host: string;
  readonly port: number;
}

/**
 * Parse `turns:host[:port][?transport=tcp]` (RFC 7065 §3.1: TURN over TLS; `transport=udp`
 * would be DTLS, not supported). Undefined for anything else.
 */
export function parseTurnsUri(uri: string): TurnsUri | undefined {
  const m = /^turns:(\[[0-9a-fA-F:.]+\]|[^:?/\s]+)(?::(\d{1,5}))?(?:\?transport=(tcp))?$/i.exec(uri.trim());
  if (m === null) return undefined;
  const port = m[2] === undefined ? TURNS_DEFAULT_PORT : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Largest frame accepted from the server: a STUN message or ChannelData of at most 64 KiB. */
const MAX_FRAME = 4 + 0xffff + 3;

/** The frames read from a TURN stream so far, and the bytes of the next incomplete one. */
export interface TurnStreamFrames {
  /** Whole frames: STUN messages, and ChannelData without its padding. */
  readonly frames: Buffer[];
  /** Bytes of an incomplete frame, to prepend to the next chunk. */
  readonly rest: Buffer;
  /** Set when the stream holds neither STUN (first byte 0..3) nor ChannelData (64..79). */
  readonly error?: string;
}

/**
 * Split received stream bytes into frames (RFC 8656 §3.1, §12.5): a STUN message is
 * 20 bytes of header plus its length field; ChannelData is 4 bytes plus its length,
 * padded to a multiple of 4 (the padding is dropped). Never throws.
 */
export function splitTurnStream(buf: Buffer): TurnStreamFrames {
  const frames: Buffer[] = [];
  let at = 0;
  while (buf.length - at >= 4) {
    const first = buf[at]!;
    const len = buf.readUInt16BE(at + 2);
    let size: number;
    let keep: number;
    if (first <= 3) {
      size = 20 + len; // RFC 8489 §5: the length excludes the 20-byte header
      keep = size;
    } else if (first >= 0x40 && first <= 0x4f) {
      keep = 4 + len;
      size = (keep + 3) & ~3; // §12.5 padding
    } else {
      return { frames, rest: buf.subarray(at), error: `not STUN or ChannelData (first byte ${first})` };
    }
    if (buf.length - at < size) break;
    frames.push(buf.subarray(at, at + keep));
    at += size;
  }
  return { frames, rest: buf.subarray(at) };
}

/** ChannelData sent over a stream is padded to a multiple of 4 bytes (RFC 8656 §12.5). */
export function padChannelData(msg: Buffer): Buffer {
  const first = msg[0];
  if (first === undefined || first < 0x40 || first > 0x4f || msg.length % 4 === 0) return msg;
  return Buffer.concat([msg, Buffer.alloc(4 - (msg.length % 4))]);
}

/** Options of {@link TurnTlsSocket.connect}. */
export interface TurnTlsOptions {
  /** TURN server host name or address. */
  readonly host: string;
  /** Default 5349 ({@link TURNS_DEFAULT_PORT}). */
  readonly port?: number;
  /** PEM CA(s) the server certificate must chain to. Default Node's roots. */
  readonly ca?: string | Buffer | undefined;
  /** Verify the server certificate. Default true. */
  readonly rejectUnauthorized?: boolean;
  /** SNI and name to verify against. Default `host` (no SNI for an IP address). */
  readonly servername?: string;
  /** TCP connect plus TLS handshake limit. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;
type ErrorListener = (err: Error) => void;

/** One TLS connection to a TURN server, as a datagram socket whose only peer is that server. */
export class TurnTlsSocket implements DatagramSocket {
  private readonly emitter = new EventEmitter();
  private rest: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly socket: tls.TLSSocket,
    /** The server's address and port: pass it as `TurnClientOptions.server`. */
    readonly server: TransportAddress,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
  }

  /** Open the TLS connection (verifying the server); rejects on failure or timeout. */
  static connect(o: TurnTlsOptions): Promise<TurnTlsSocket> {
    const servername = o.servername ?? o.host;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: o.host,
        port: o.port ?? TURNS_DEFAULT_PORT,
        ca: o.ca,
        rejectUnauthorized: o.rejectUnauthorized ?? true,
        ...(isIP(servername) === 0 ? { servername } : {}),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TURN over TLS: no connection to ${o.host} within the timeout`));
      }, o.connectTimeoutMs ?? 10_000);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        resolve(
          new TurnTlsSocket(socket, {
            address: socket.remoteAddress ?? o.host,
            port: socket.remotePort ?? o.port ?? TURNS_DEFAULT_PORT,
          }),
        );
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** True while the connection is open. */
  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** Write one STUN message or ChannelData frame to the server (`port`/`address` are the server's). */
  send(
    msg: Buffer,
    _port: number,
    _address: string,
    callback?: (error: Error | null, bytes: number) => void,
  ): void {
    if (this.socket.destroyed) {
      callback?.(new Error('TURN over TLS: connection closed'), 0);
      return;
    }
    this.socket.write(padChannelData(msg), (err) => callback?.(err ?? null, err ? 0 : msg.length));
  }

  on(event: 'message', listener: MessageListener): this;
  on(event: 'error', listener: ErrorListener): this;
  on(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    this.emitter.on(event, listener);
    return this;
  }

  off(event: 'message', listener: MessageListener): this;
  off(event: 'error', listener: ErrorListener): this;
  off(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Errors go to 'error' listeners; without one they are dropped (never an unhandled 'error'). */
  private fail(err: Error): void {
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', err);
  }

  /** Close the connection (the server deletes an allocation made over it). */
  close(): void {
    // end() flushes what was written (a final Refresh with LIFETIME 0) before the FIN.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    const buf = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const { frames, rest, error } = splitTurnStream(buf);
    this.rest = Buffer.from(rest);
    const rinfo: RemoteInfo = {
      address: this.server.address,
      port: this.server.port,
      family: isIP(this.server.address) === 6 ? 'IPv6' : 'IPv4',
      size: 0,
    };
    for (const f of frames) this.emitter.emit('message', f, { ...rinfo, size: f.length });
    if (error !== undefined || this.rest.length > MAX_FRAME) {
      // A stream out of frame cannot be resynchronised: drop the connection.
      this.fail(new Error(`TURN over TLS: ${error ?? 'frame too large'}`));
      this.socket.destroy();
    }
  }
}
