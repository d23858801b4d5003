/**
 * Public types of the RTP session: options, events, statistics and the socket contract.
 */
import type { RemoteInfo } from 'node:dgram';
import type { AudioDecoder, AudioEncoder, CodecInfo } from '../codec/types.js';
import type { JitterBufferStats } from '../jitter/jitter-buffer.js';
import type { SrtpCryptoSuite } from '../srtp/srtp-suites.js';
import type { MediaClock } from './media-clock.js';

/** The subset of `dgram.Socket` a session uses (a fake in `../testing` implements it). */
export interface DatagramSocket {
  send(
    msg: Buffer,
    port: number,
    address: string,
    callback?: (error: Error | null, bytes: number) => void,
  ): void;
  on(event: 'message', listener: (msg: Buffer, rinfo: RemoteInfo) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'message', listener: (msg: Buffer, rinfo: RemoteInfo) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}

/** Remote transport address. */
export interface RtpRemote {
  address: string;
  port: number;
  /** RTCP port; default `port + 1` (RFC 3550 §11), ignored with rtcp-mux. */
  rtcpPort?: number;
}

/** Options of {@link RtpSession}. Durations in ms. */
export interface RtpSessionOptions {
  /** Bound sockets (from `PortAllocator`); the session attaches to them, never closes them. */
  sockets: { rtp: DatagramSocket; rtcp?: DatagramSocket };
  remote: RtpRemote;
  /** Audio payload type (0..127). */
  payloadType: number;
  codec: {
    encoder: AudioEncoder;
    decoder: AudioDecoder;
    info: CodecInfo;
    samplesPerFrame: number;
    rtpTicksPerFrame: number;
  };
  /**
   * Continuous media: on each ptime tick with no frame queued, send one silence frame (so
   * the stream never pauses: PBX RTP timeouts, NAT bindings, the far end's jitter buffer).
   * A queued frame always takes the tick, so at most one packet leaves per ptime; DTMF
   * events still replace the audio. Change it later with `RtpSession.setContinuous`.
   * Default false (nothing is sent while the queue is empty).
   */
  continuous?: boolean;
  /** telephone-event payload type (RFC 4733); DTMF send/receive is off without it. */
  dtmfPayloadType?: number;
  /** Detect in-band DTMF tones (Goertzel) in received audio. Default: on when `dtmfPayloadType` is absent. */
  inbandDtmf?: boolean;
  /**
   * Packetization time, a multiple of the clock period (10 ms steps with the shared clocks).
   * Default 20 ms.
   */
  ptimeMs?: number;
  /** RTP and RTCP on one port (RFC 5761). Default false. */
  rtcpMux?: boolean;
  /**
   * SDES-keyed SRTP (RFC 4568); keys are master key || salt (30 bytes for AES-CM, 28 for
   * AEAD_AES_128_GCM). Default plain RTP.
   */
  srtp?: { suite: SrtpCryptoSuite; localKey: Buffer; remoteKey: Buffer };
  /**
   * DTLS-SRTP (RFC 5764): the keys come later, through `setSrtp` once the handshake is
   * done. Until then nothing is sent (no plain RTP or RTCP ever leaves an encrypted call)
   * and whatever arrives is dropped and counted in `RtpStats.beforeKeys` (the peer may
   * start sending SRTP a moment before our side has installed the keys). Default false.
   */
  srtpPending?: boolean;
  /**
   * Symmetric RTP (RFC 4961) with latching: send to the source address of the received
   * media (NAT traversal). Default true.
   */
  symmetric?: boolean;
  /** Re-latch to a new source address only after the latched one is silent this long. Default 2000 ms. */
  relatchAfterMs?: number;
  /** Emit `timeout` after this long without RTP. Default 30000 ms; 0 disables. */
  mediaTimeoutMs?: number;
  /** Pacing/playout clock. Default the shared 20 ms (or 10 ms for ptime 10/30/50) `sharedMediaClock`. */
  clock?: MediaClock;
  /** Jitter buffer bounds. Defaults: min 20, max 300, initial 40 ms. */
  jitter?: { minDelayMs?: number; maxDelayMs?: number; initialDelayMs?: number };
  /** RTCP CNAME (RFC 3550 §6.5.1). Default a random UUID. */
  cname?: string;
  /**
   * RTCP reports (SR/RR + SDES every 5 s randomized, BYE on close) run when an RTCP socket
   * is given or `rtcpMux` is set. `enabled: false` turns them off; the clocks are for tests.
   */
  rtcp?: { enabled?: boolean; wallClock?: () => number; random?: () => number };
}

/** A received DTMF digit. */
export interface DtmfEvent {
  readonly digit: string;
  /** Event duration; 0 for in-band detections (reported at tone start). */
  readonly durationMs: number;
  readonly source: 'rfc4733' | 'inband';
}

/** Typed events of {@link RtpSession}. */
export interface RtpSessionEvents {
  /** One ptime of decoded (or concealed) PCM at `codec.info.sampleRate`, on the playout clock. */
  frame: [pcm: Int16Array];
  dtmf: [event: DtmfEvent];
  /** No RTP for `mediaTimeoutMs` (emitted once per silence period). */
  timeout: [];
  /** Symmetric RTP latched to a new source address. */
  'remote-changed': [remote: { address: string; port: number }];
  'first-packet': [];
  /** The remote sent RTCP BYE (RFC 3550 §6.6). */
  'remote-bye': [];
  /** A socket reported an error (the session keeps running). */
  'socket-error': [error: Error];
}

/** Session statistics. */
export interface RtpStats {
  packetsSent: number;
  /** Of `packetsSent`, silence frames sent by continuous media (`continuous: true`). */
  silenceFillSent: number;
  /** Payload octets sent (RFC 3550 §6.4.1 sender octet count). */
  bytesSent: number;
  packetsReceived: number;
  /** Payload octets received. */
  bytesReceived: number;
  /** Cumulative lost (RFC 3550 §A.3) of the current remote source. */
  lost: number;
  /** Cumulative loss fraction 0..1 of the current source. */
  fractionLost: number;
  /** RFC 3550 §6.4.1 interarrival jitter in ms. */
  jitterMs: number;
  /** Round-trip time from RTCP LSR/DLSR, when known. */
  rttMs: number | undefined;
  /**
   * E-model rating R (ITU-T G.107, simplified) with the negotiated codec's Ie/Bpl, on the
   * scale in {@link rFactorScale}: narrowband up to 93.2, wideband (G.107.1) up to 129.
   * Loss repaired by in-band FEC does not count.
   */
  rFactor: number;
  /** Scale of {@link rFactor}: `narrowband` (G.711) or `wideband` (G.722, Opus >= 16 kHz). */
  rFactorScale: 'narrowband' | 'wideband';
  /** MOS 1..4.5 estimated from R (G.107 Annex B; wideband R divided by 1.29 first, G.107.1). */
  mos: number;
  /** Received packets that did not parse. */
  malformed: number;
  /** Received RTP packets rejected by SRTP (authentication, replay). */
  srtpFailures: number;
  /**
   * Received RTCP packets rejected by SRTCP (authentication, replay). Counted apart from
   * RTP: some phones send their last RTCP BYE outside the SRTP context as they hang up
   * (baresip 1.0: one at the end of each DTLS-SRTP call), which says nothing about the media.
   */
  srtcpFailures: number;
  /** Packets with a payload type other than audio/DTMF (comfort noise 13, ...). */
  ignored: number;
  /** `srtpPending` sessions: packets received (dropped) and sent (held back) before the keys. */
  beforeKeys: number;
  /** Valid RTCP compounds received / sent. */
  rtcpReceived: number;
  rtcpSent: number;
  sendErrors: number;
  /**
   * True when the decoder can rebuild lost packets from in-band FEC (Opus with the patched
   * binding). False: losses are concealed by PLC only (G.711, G.722, or an Opus binding
   * without `decodeFec`, e.g. a prebuilt upstream addon).
   */
  fecDecodeAvailable: boolean;
  jitterBuffer: JitterBufferStats;
}
