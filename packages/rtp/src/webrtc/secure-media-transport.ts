/**
 * One UDP socket carrying STUN, DTLS and SRTP/SRTCP together, told apart by the first
 * byte (RFC 7983 §7: 0..3 STUN, 20..63 DTLS, 128..191 RTP/RTCP). STUN goes to the ICE-lite
 * agent, DTLS to the handshake; only RTP/RTCP reaches the {@link DatagramSocket}
 * listeners, so an `RtpSession` runs on top unchanged (with rtcp-mux, RFC 5761) and does
 * SRTP itself with the exported keys.
 */
import type { RemoteInfo } from 'node:dgram';
import type { DatagramSocket } from '../session/session-types.js';
import type { IceLiteAgent, TransportAddress } from './ice-lite.js';

type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;
type ErrorListener = (err: Error) => void;

/** RFC 7983 §7 classes. */
export type DemuxClass = 'stun' | 'dtls' | 'rtp' | 'other';

/** Classify a datagram by its first byte (RFC 7983 §7). */
export function classifyDatagram(buf: Buffer): DemuxClass {
  if (buf.length === 0) return 'other';
  const b = buf[0]!;
  if (b <= 3) return 'stun';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'other';
}

function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/** Options of {@link SecureMediaTransport}. */
export interface SecureMediaTransportOptions {
  /** The bound UDP socket (from `PortAllocator`), or a TURN client's `relayedSocket`; attached to, never closed. */
  readonly socket: DatagramSocket;
  /** Where DTLS goes before ICE nominates anything: the SDP `c=`/port of the remote. */
  readonly remote: TransportAddress;
  /** Answers connectivity checks when ICE was negotiated. */
  readonly ice?: IceLiteAgent;
}

/** The demultiplexing shell; also the `DatagramSocket` given to `RtpSession`. */
export class SecureMediaTransport implements DatagramSocket {
  private readonly messageListeners = new Set<MessageListener>();
  private readonly errorListeners = new Set<ErrorListener>();
  private dtlsHandler: ((datagram: Buffer) => void) | undefined;
  private current: TransportAddress;
  private attached = true;
  private mediaOpen = false;
  /** Datagrams dropped by the demultiplexer (other first bytes, DTLS before a handler, RTP before keys). */
  dropped = 0;

  constructor(private readonly o: SecureMediaTransportOptions) {
    this.current = o.remote;
    o.socket.on('message', this.onMessage);
    o.socket.on('error', this.onError);
  }

  /** The remote DTLS and (until RtpSession latches) RTP go to: nominated pair, else SDP. */
  get remote(): TransportAddress {
    return this.current;
  }

  /**
   * Let RTP/RTCP through (both ways). Until then it is dropped: RFC 5764 §4.1 media
   * flows only once DTLS has produced the SRTP keys, so nothing leaves in clear and no
   * SRTP is parsed as plain RTP. `prepareSecureMedia` opens it when `ready` resolves.
   */
  openMedia(): void {
    this.mediaOpen = true;
  }

  /** Route DTLS records (first byte 20..63) to `handler`. */
  setDtlsHandler(handler: (datagram: Buffer) => void): void {
    this.dtlsHandler = handler;
  }

  /** Send a DTLS record to the current remote. */
  sendDtls(datagram: Buffer): void {
    this.send(datagram, this.current.port, this.current.address);
  }

  /** Handle one datagram from the socket (public so tests and relays can inject). */
  readonly onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    const from = { address: rinfo.address, port: rinfo.port };
    switch (classifyDatagram(msg)) {
      case 'stun': {
        const out = this.o.ice?.handle(msg, from);
        if (out?.response) this.send(out.response, from.port, from.address);
        // RFC 8445 §7.3.1.5: media follows the nominated pair.
        if (out?.nominated) this.current = out.nominated;
        return;
      }
      case 'dtls':
        // With ICE, DTLS only from a source the peer proved with a check (RFC 8445 §7.3) or
        // its signalled default candidate (both sides lite: no checks at all, RFC 8445 §2.5):
        // a spoofed record from elsewhere must not be able to abort the handshake.
        if (this.o.ice !== undefined && !this.o.ice.isValidated(from) && !sameAddress(from, this.o.remote))
          return void this.dropped++;
        // RFC 5764 §5.1.2 no ICE: DTLS comes from the media peer; answer where it came from.
        if (this.o.ice === undefined) this.current = from;
        if (this.dtlsHandler) this.dtlsHandler(msg);
        else this.dropped++;
        return;
      case 'rtp':
        if (!this.mediaOpen) return void this.dropped++;
        for (const l of this.messageListeners) l(msg, rinfo);
        return;
      default:
        this.dropped++;
    }
  };

  private readonly onError = (err: Error): void => {
    for (const l of this.errorListeners) l(err);
  };

  send(
    msg: Buffer,
    port: number,
    address: string,
    callback?: (error: Error | null, bytes: number) => void,
  ): void {
    if (!this.mediaOpen && classifyDatagram(msg) === 'rtp') {
      this.dropped++;
      callback?.(null, 0);
      return;
    }
    this.o.socket.send(msg, port, address, callback);
  }

  on(event: 'message', listener: MessageListener): this;
  on(event: 'error', listener: ErrorListener): this;
  on(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    if (event === 'message') this.messageListeners.add(listener as MessageListener);
    else this.errorListeners.add(listener as ErrorListener);
    return this;
  }

  off(event: 'message', listener: MessageListener): this;
  off(event: 'error', listener: ErrorListener): this;
  off(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    if (event === 'message') this.messageListeners.delete(listener as MessageListener);
    else this.errorListeners.delete(listener as ErrorListener);
    return this;
  }

  /** Detach from the socket (which stays open). Idempotent. */
  close(): void {
    if (!this.attached) return;
    this.attached = false;
    this.o.socket.off('message', this.onMessage);
    this.o.socket.off('error', this.onError);
  }
}
