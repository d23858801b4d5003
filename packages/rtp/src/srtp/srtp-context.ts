/**
 * SRTP/SRTCP protection for one direction and one master key (RFC 3711): AES-CM
 * encryption (§4.1.1), HMAC-SHA1 authentication (§4.2), per-SSRC rollover counters
 * (§3.3.1) and replay windows (§3.3.2). Pure: bytes in, bytes out, never throws on
 * hostile input. Use one context for what we send and another for what we receive.
 */
import { timingSafeEqual } from 'node:crypto';
import { AesCounterMode, srtpIv } from './aes-cm.js';
import { HmacSha1 } from './hmac-sha1.js';
import { deriveSrtpSessionKeys } from './key-derivation.js';
import { ReplayWindow } from './replay-window.js';
import { RolloverCounter } from './rollover-counter.js';
import type { SrtpSuite } from '../sdp/types.js';
import { SRTP_SUITE_PARAMS, type SrtpSuiteParams } from './srtp-suites.js';

/** Options of {@link SrtpContext}. */
export interface SrtpContextOptions {
  /** Crypto suite (RFC 4568 §6.2). */
  suite: SrtpSuite;
  /** Master key || master salt (30 bytes for the AES-128 suites), as carried in SDES `inline:`. */
  keyAndSalt: Buffer;
  /** Replay window size in packets (>= 64). Default 128. */
  replayWindowSize?: number;
  /** MKI value to append to / expect in every packet (RFC 3711 §3.1). Default none. */
  mki?: Buffer;
}

/** Result of unprotecting a packet. */
export type SrtpUnprotectResult =
  | { readonly ok: true; readonly packet: Buffer }
  | {
      readonly ok: false;
      readonly reason: 'too-short' | 'malformed' | 'mki-mismatch' | 'auth-failed' | 'replay' | 'too-old';
    };

interface RtpStreamState {
  readonly roc: RolloverCounter;
  readonly replay: ReplayWindow;
}

interface RtcpStreamState {
  sendIndex: number;
  readonly replay: ReplayWindow;
}

/** Largest SRTCP index (31 bits, RFC 3711 §3.4). */
const SRTCP_INDEX_MASK = 0x7fffffff;
/** Streams tracked per context before the oldest is forgotten (hostile SSRC floods). */
const MAX_STREAMS = 64;

/** SRTP/SRTCP crypto context. */
export class SrtpContext {
  private readonly params: SrtpSuiteParams;
  private readonly rtpCipher: AesCounterMode;
  private readonly rtcpCipher: AesCounterMode;
  private readonly rtpAuth: HmacSha1;
  private readonly rtcpAuth: HmacSha1;
  private readonly rtpSalt: Buffer;
  private readonly rtcpSalt: Buffer;
  private readonly mki: Buffer;
  private readonly windowSize: number;
  private readonly rtpStreams = new Map<number, RtpStreamState>();
  private readonly rtcpStreams = new Map<number, RtcpStreamState>();
  private readonly iv = Buffer.alloc(16);
  private readonly rocBytes = Buffer.alloc(4);

  constructor(opts: SrtpContextOptions) {
    this.params = SRTP_SUITE_PARAMS[opts.suite];
    if (!this.params) throw new RangeError(`unsupported SRTP suite ${String(opts.suite)}`);
    const keyLen = this.params.cipherKeyLength;
    if (opts.keyAndSalt.length !== keyLen + this.params.saltLength) {
      throw new RangeError(`SRTP key||salt must be ${keyLen + this.params.saltLength} bytes`);
    }
    const keys = deriveSrtpSessionKeys(opts.keyAndSalt.subarray(0, keyLen), opts.keyAndSalt.subarray(keyLen));
    this.rtpCipher = new AesCounterMode(keys.rtpCipherKey);
    this.rtcpCipher = new AesCounterMode(keys.rtcpCipherKey);
    this.rtpAuth = new HmacSha1(keys.rtpAuthKey);
    this.rtcpAuth = new HmacSha1(keys.rtcpAuthKey);
    this.rtpSalt = keys.rtpSalt;
    this.rtcpSalt = keys.rtcpSalt;
    this.mki = opts.mki ?? Buffer.alloc(0);
    this.windowSize = opts.replayWindowSize ?? 128;
  }

  /** Encrypt and authenticate an RTP packet (RFC 3711 §3.3). Throws on a packet shorter than 12 bytes. */
  protect(rtp: Buffer): Buffer {
    const headerLen = rtpHeaderLength(rtp);
    if (headerLen < 0) throw new RangeError('not an RTP packet');
    const ssrc = rtp.readUInt32BE(8);
    const seq = rtp.readUInt16BE(2);
    const state = this.rtpStream(ssrc);
    const index = state.roc.next(seq);
    const tagLen = this.params.rtpTagLength;
    const out = Buffer.allocUnsafe(rtp.length + this.mki.length + tagLen);
    rtp.copy(out);
    this.rtpCipher.xorInPlace(
      srtpIv(this.iv, this.rtpSalt, ssrc, index),
      out.subarray(0, rtp.length),
      headerLen,
    );
    this.mki.copy(out, rtp.length);
    // §4.2: tag = HMAC(k_a, authenticated portion || ROC); the MKI is not authenticated.
    this.rtpTag(out.subarray(0, rtp.length), state.roc.value).copy(
      out,
      rtp.length + this.mki.length,
      0,
      tagLen,
    );
    return out;
  }

  /** Verify, replay-check and decrypt an SRTP packet (RFC 3711 §3.3). Never throws. */
  unprotect(srtp: Buffer): SrtpUnprotectResult {
    const tagLen = this.params.rtpTagLength;
    const end = srtp.length - tagLen - this.mki.length;
    if (end < 12) return { ok: false, reason: 'too-short' };
    const headerLen = rtpHeaderLength(srtp.subarray(0, end));
    if (headerLen < 0) return { ok: false, reason: 'malformed' };
    if (this.mki.length > 0 && !this.mki.equals(srtp.subarray(end, end + this.mki.length))) {
      return { ok: false, reason: 'mki-mismatch' };
    }
    const ssrc = srtp.readUInt32BE(8);
    const seq = srtp.readUInt16BE(2);
    const state = this.rtpStreams.get(ssrc) ?? this.newRtpStream();
    const v = state.roc.estimate(seq);
    const index = v * 0x10000 + seq;
    const replay = state.replay.check(index);
    if (replay !== 'ok') return { ok: false, reason: replay };
    const authenticated = srtp.subarray(0, end);
    const tag = this.rtpTag(authenticated, v).subarray(0, tagLen);
    if (!timingSafeEqual(tag, srtp.subarray(srtp.length - tagLen)))
      return { ok: false, reason: 'auth-failed' };
    if (!this.rtpStreams.has(ssrc)) this.remember(this.rtpStreams, ssrc, state);
    state.roc.update(seq, v);
    state.replay.accept(index);
    const packet = Buffer.from(authenticated);
    this.rtpCipher.xorInPlace(srtpIv(this.iv, this.rtpSalt, ssrc, index), packet, headerLen);
    return { ok: true, packet };
  }

  /** Encrypt and authenticate an RTCP compound packet (RFC 3711 §3.4, E = 1). */
  protectRtcp(rtcp: Buffer): Buffer {
    if (rtcp.length < 8) throw new RangeError('RTCP packet shorter than 8 bytes');
    const ssrc = rtcp.readUInt32BE(4);
    const state = this.rtcpStream(ssrc);
    // libsrtp numbering: the index is incremented before use, so the first packet carries 1.
    state.sendIndex = (state.sendIndex + 1) & SRTCP_INDEX_MASK;
    const index = state.sendIndex;
    const tagLen = this.params.rtcpTagLength;
    const out = Buffer.allocUnsafe(rtcp.length + 4 + this.mki.length + tagLen);
    rtcp.copy(out);
    this.rtcpCipher.xorInPlace(srtpIv(this.iv, this.rtcpSalt, ssrc, index), out.subarray(0, rtcp.length), 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, rtcp.length); // E flag || SRTCP index
    this.mki.copy(out, rtcp.length + 4);
    const authenticated = out.subarray(0, rtcp.length + 4);
    this.rtcpAuth.digest(authenticated).copy(out, rtcp.length + 4 + this.mki.length, 0, tagLen);
    return out;
  }

  /** Verify, replay-check and decrypt an SRTCP packet (RFC 3711 §3.4). Never throws. */
  unprotectRtcp(srtcp: Buffer): SrtpUnprotectResult {
    const tagLen = this.params.rtcpTagLength;
    const end = srtcp.length - tagLen - this.mki.length; // end of E||index
    if (end < 12) return { ok: false, reason: 'too-short' };
    if (srtcp[0]! >> 6 !== 2) return { ok: false, reason: 'malformed' };
    if (this.mki.length > 0 && !this.mki.equals(srtcp.subarray(end, end + this.mki.length))) {
      return { ok: false, reason: 'mki-mismatch' };
    }
    const ssrc = srtcp.readUInt32BE(4);
    const word = srtcp.readUInt32BE(end - 4);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & SRTCP_INDEX_MASK;
    const state = this.rtcpStreams.get(ssrc) ?? this.newRtcpStream();
    const replay = state.replay.check(index);
    if (replay !== 'ok') return { ok: false, reason: replay };
    const tag = this.rtcpAuth.digest(srtcp.subarray(0, end)).subarray(0, tagLen);
    if (!timingSafeEqual(tag, srtcp.subarray(srtcp.length - tagLen)))
      return { ok: false, reason: 'auth-failed' };
    if (!this.rtcpStreams.has(ssrc)) this.remember(this.rtcpStreams, ssrc, state);
    state.replay.accept(index);
    const packet = Buffer.from(srtcp.subarray(0, end - 4));
    if (encrypted) this.rtcpCipher.xorInPlace(srtpIv(this.iv, this.rtcpSalt, ssrc, index), packet, 8);
    return { ok: true, packet };
  }

  /** Current rollover counter for an SSRC (0 if unknown). */
  rolloverCounter(ssrc: number): number {
    return this.rtpStreams.get(ssrc)?.roc.value ?? 0;
  }

  private rtpTag(authenticated: Buffer, roc: number): Buffer {
    this.rocBytes.writeUInt32BE(roc >>> 0, 0);
    return this.rtpAuth.digest(authenticated, this.rocBytes);
  }

  private rtpStream(ssrc: number): RtpStreamState {
    let s = this.rtpStreams.get(ssrc);
    if (!s) this.remember(this.rtpStreams, ssrc, (s = this.newRtpStream()));
    return s;
  }

  private rtcpStream(ssrc: number): RtcpStreamState {
    let s = this.rtcpStreams.get(ssrc);
    if (!s) this.remember(this.rtcpStreams, ssrc, (s = this.newRtcpStream()));
    return s;
  }

  private newRtpStream(): RtpStreamState {
    return { roc: new RolloverCounter(), replay: new ReplayWindow(this.windowSize) };
  }

  private newRtcpStream(): RtcpStreamState {
    return { sendIndex: 0, replay: new ReplayWindow(this.windowSize) };
  }

  private remember<T>(map: Map<number, T>, ssrc: number, state: T): void {
    if (map.size >= MAX_STREAMS) map.delete(map.keys().next().value!);
    map.set(ssrc, state);
  }
}

/** Length of the RTP header incl. CSRCs and extension (the unencrypted part), or -1. */
function rtpHeaderLength(buf: Buffer): number {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return -1;
  let len = 12 + (buf[0]! & 0x0f) * 4;
  if (buf[0]! & 0x10) {
    if (len + 4 > buf.length) return -1;
    len += 4 + buf.readUInt16BE(len + 2) * 4;
  }
  return len <= buf.length ? len : -1;
}
