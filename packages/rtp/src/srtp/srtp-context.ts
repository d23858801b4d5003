/**
 * SRTP/SRTCP protection for one direction and one master key (RFC 3711): per-SSRC
 * rollover counters (§3.3.1), replay windows (§3.3.2) and SRTCP indices (§3.4) around a
 * suite transform: AES-CM + HMAC-SHA1 (RFC 3711 §4) or AEAD_AES_128_GCM (RFC 7714).
 * Pure: bytes in, bytes out, never throws on hostile input. Use one context for what we
 * send and another for what we receive.
 */
import { AeadGcmTransform } from './aes-gcm.js';
import { AesCmHmacTransform } from './aes-cm-hmac-transform.js';
import { deriveSrtpSessionKeys } from './key-derivation.js';
import { ReplayWindow } from './replay-window.js';
import { RolloverCounter } from './rollover-counter.js';
import { SRTP_SUITE_PARAMS, type SrtpCryptoSuite } from './srtp-suites.js';
import type { SrtpTransform } from './srtp-transform.js';

/** Options of {@link SrtpContext}. */
export interface SrtpContextOptions {
  /** Crypto suite (RFC 4568 §6.2, RFC 7714 §14.2). */
  suite: SrtpCryptoSuite;
  /** Master key || master salt (30 bytes for AES-CM-128, 28 for GCM-128), as in SDES `inline:`. */
  keyAndSalt: Buffer;
  /** Replay window size in packets (>= 64). Default 128. */
  replayWindowSize?: number;
  /** MKI to append to / expect in every packet (RFC 3711 §3.1); AES-CM suites only. Default none. */
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
  private readonly transform: SrtpTransform;
  private readonly windowSize: number;
  private readonly rtpStreams = new Map<number, RtpStreamState>();
  private readonly rtcpStreams = new Map<number, RtcpStreamState>();

  /** @throws RangeError for an unknown suite, a wrong key length or an MKI with GCM (programmer errors). */
  constructor(opts: SrtpContextOptions) {
    const params = SRTP_SUITE_PARAMS[opts.suite];
    if (!params) throw new RangeError(`unsupported SRTP suite ${String(opts.suite)}`);
    const keyLen = params.cipherKeyLength;
    if (opts.keyAndSalt.length !== keyLen + params.saltLength) {
      throw new RangeError(`SRTP key||salt must be ${keyLen + params.saltLength} bytes for ${opts.suite}`);
    }
    const keys = deriveSrtpSessionKeys(
      opts.keyAndSalt.subarray(0, keyLen),
      opts.keyAndSalt.subarray(keyLen),
      params.saltLength,
    );
    const mki = opts.mki ?? Buffer.alloc(0);
    if (params.aead) {
      if (mki.length > 0) throw new RangeError('MKI is not supported with AEAD suites');
      this.transform = new AeadGcmTransform({
        rtpKey: keys.rtpCipherKey,
        rtpSalt: keys.rtpSalt,
        rtcpKey: keys.rtcpCipherKey,
        rtcpSalt: keys.rtcpSalt,
      });
    } else {
      this.transform = new AesCmHmacTransform(keys, params.rtpTagLength, params.rtcpTagLength, mki);
    }
    this.windowSize = opts.replayWindowSize ?? 128;
  }

  /** Encrypt and authenticate an RTP packet (RFC 3711 §3.3). Throws on a non-RTP buffer (programmer error). */
  protect(rtp: Buffer): Buffer {
    const headerLen = rtpHeaderLength(rtp);
    if (headerLen < 0) throw new RangeError('not an RTP packet');
    const ssrc = rtp.readUInt32BE(8);
    const state = this.rtpStream(ssrc);
    const index = state.roc.next(rtp.readUInt16BE(2));
    return this.transform.sealRtp(rtp, headerLen, ssrc, index, state.roc.value);
  }

  /** Verify, replay-check and decrypt an SRTP packet (RFC 3711 §3.3). Never throws. */
  unprotect(srtp: Buffer): SrtpUnprotectResult {
    const end = srtp.length - this.transform.rtpOverhead;
    if (end < 12) return { ok: false, reason: 'too-short' };
    const headerLen = rtpHeaderLength(srtp.subarray(0, end));
    if (headerLen < 0) return { ok: false, reason: 'malformed' };
    const ssrc = srtp.readUInt32BE(8);
    const seq = srtp.readUInt16BE(2);
    const state = this.rtpStreams.get(ssrc) ?? this.newRtpStream();
    // RFC 3711 §3.3.1: estimate the index, check replay, then authenticate.
    const v = state.roc.estimate(seq);
    const index = v * 0x10000 + seq;
    const replay = state.replay.check(index);
    if (replay !== 'ok') return { ok: false, reason: replay };
    const opened = this.transform.openRtp(srtp, headerLen, ssrc, index, v);
    if (typeof opened === 'string') return { ok: false, reason: opened };
    if (!this.rtpStreams.has(ssrc)) this.remember(this.rtpStreams, ssrc, state);
    state.roc.update(seq, v); // only authenticated packets move the ROC and the window
    state.replay.accept(index);
    return { ok: true, packet: opened };
  }

  /** Encrypt and authenticate an RTCP compound packet (RFC 3711 §3.4, E = 1). Throws if shorter than 8 bytes. */
  protectRtcp(rtcp: Buffer): Buffer {
    if (rtcp.length < 8) throw new RangeError('RTCP packet shorter than 8 bytes');
    const ssrc = rtcp.readUInt32BE(4);
    const state = this.rtcpStream(ssrc);
    // libsrtp numbering: the index is incremented before use, so the first packet carries 1.
    state.sendIndex = (state.sendIndex + 1) & SRTCP_INDEX_MASK;
    return this.transform.sealRtcp(rtcp, ssrc, state.sendIndex);
  }

  /** Verify, replay-check and decrypt an SRTCP packet (RFC 3711 §3.4). Never throws. */
  unprotectRtcp(srtcp: Buffer): SrtpUnprotectResult {
    if (srtcp.length < this.transform.rtcpMinLength) return { ok: false, reason: 'too-short' };
    if (srtcp[0]! >> 6 !== 2) return { ok: false, reason: 'malformed' };
    const ssrc = srtcp.readUInt32BE(4);
    const word = srtcp.readUInt32BE(srtcp.length - this.transform.rtcpAfterIndex - 4);
    const index = word & SRTCP_INDEX_MASK;
    const state = this.rtcpStreams.get(ssrc) ?? this.newRtcpStream();
    const replay = state.replay.check(index);
    if (replay !== 'ok') return { ok: false, reason: replay };
    const opened = this.transform.openRtcp(srtcp, ssrc, index, (word & 0x80000000) !== 0);
    if (typeof opened === 'string') return { ok: false, reason: opened };
    if (!this.rtcpStreams.has(ssrc)) this.remember(this.rtcpStreams, ssrc, state);
    state.replay.accept(index);
    return { ok: true, packet: opened };
  }

  /** Current rollover counter for an SSRC (0 if unknown). */
  rolloverCounter(ssrc: number): number {
    return this.rtpStreams.get(ssrc)?.roc.value ?? 0;
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
