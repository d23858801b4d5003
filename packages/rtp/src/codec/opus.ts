/**
 * Opus (RFC 6716) over RTP per RFC 7587 via the `@discordjs/opus` native binding.
 *
 * - RTP clock is always 48000 Hz and SDP always says `opus/48000/2` (RFC 7587 §4.1, §7),
 *   whatever the PCM rate; this module encodes/decodes mono at a configured PCM rate
 *   (8, 12, 16, 24 or 48 kHz).
 * - Encoder tuning uses libopus CTL request numbers (opus_defines.h) via
 *   `applyEncoderCTL`, driven by the remote fmtp (RFC 7587 §6.1).
 * - Loss recovery: in-band FEC (RFC 6716 §2.1.7, LBRR; RFC 7587 §3.3) rebuilds a lost
 *   packet from the next one with `opus_decode(..., decode_fec = 1)`. Upstream
 *   `@discordjs/opus` hard-codes `decode_fec = 0`; our pnpm patch
 *   (`patches/@discordjs__opus@0.10.0.patch`) adds `decodeFec(buf, frameSize)` and
 *   `decodeLost(frameSize)`. Both are feature-detected: without them (an unpatched
 *   binding) `fecAvailable` is false and every loss falls back to PLC.
 * - PLC: `decodeLost(frameSize)` conceals exactly one frame. Unpatched, a zero-length
 *   payload makes `opus_decode` run PLC for the binding's maximum frame size (5760
 *   samples), which we serve in slices to consecutive `conceal` calls.
 */
import { createRequire } from 'node:module';
import { opusPacketHasLbrr } from './opus-packet.js';
import type { AudioDecoder, AudioEncoder } from './types.js';

/** Minimal shape of the `@discordjs/opus` OpusEncoder (it encodes and decodes). */
interface NativeOpus {
  encode(buf: Buffer): Buffer;
  decode(buf: Buffer): Buffer;
  /** Patched binding only: decode the previous packet from `buf`'s FEC data. */
  decodeFec?(buf: Buffer, frameSize: number): Buffer;
  /** Patched binding only: PLC for exactly `frameSize` samples. */
  decodeLost?(frameSize: number): Buffer;
  applyEncoderCTL(ctl: number, value: number): void;
  applyDecoderCTL(ctl: number, value: number): void;
  setBitrate(bitrate: number): void;
  getBitrate(): number;
}

type NativeOpusCtor = new (rate: number, channels: number) => NativeOpus;

let nativeCtor: NativeOpusCtor | undefined;
function loadNative(): NativeOpusCtor {
  if (nativeCtor === undefined) {
    const require = createRequire(import.meta.url);
    nativeCtor = (require('@discordjs/opus') as { OpusEncoder: NativeOpusCtor }).OpusEncoder;
  }
  return nativeCtor;
}

/** libopus CTL request numbers (opus_defines.h). */
export const OpusCtl = {
  SET_APPLICATION: 4000,
  SET_BITRATE: 4002,
  SET_MAX_BANDWIDTH: 4004,
  SET_VBR: 4006,
  SET_COMPLEXITY: 4010,
  SET_INBAND_FEC: 4012,
  SET_PACKET_LOSS_PERC: 4014,
  SET_DTX: 4016,
  SET_SIGNAL: 4024,
} as const;

/** libopus constant values used with {@link OpusCtl}. */
export const OpusConst = {
  APPLICATION_VOIP: 2048,
  SIGNAL_VOICE: 3001,
  BANDWIDTH_NARROWBAND: 1101,
  BANDWIDTH_MEDIUMBAND: 1102,
  BANDWIDTH_WIDEBAND: 1103,
  BANDWIDTH_SUPERWIDEBAND: 1104,
  BANDWIDTH_FULLBAND: 1105,
} as const;

/** PCM rates libopus accepts (Hz). */
export const OPUS_PCM_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];
/** RTP clock rate for Opus, always 48000 Hz (RFC 7587 §4.1). */
export const OPUS_RTP_CLOCK_RATE = 48000;

/** Encoder options (all optional). */
export interface OpusEncoderOptions {
  /** PCM rate in Hz (8000/12000/16000/24000/48000). Default 16000. */
  readonly sampleRate?: number;
  /** Frame duration in ms (10, 20, 40, 60). Default 20. */
  readonly frameMs?: number;
  /** Target bitrate in bit/s. Default 24000 (capped by fmtp `maxaveragebitrate`). */
  readonly bitrate?: number;
  /** Encoder complexity 0..10. Default 5 (CPU vs quality for many concurrent calls). */
  readonly complexity?: number;
  /** In-band FEC (LBRR). Default false; true when the remote fmtp has `useinbandfec=1`. */
  readonly inbandFec?: boolean;
  /** Expected packet loss in percent, drives FEC strength. Default 10 when FEC is on. */
  readonly packetLossPercent?: number;
  /** Discontinuous transmission. Default false; true when the remote fmtp has `usedtx=1`. */
  readonly dtx?: boolean;
  /** Constant bitrate. Default false; true when the remote fmtp has `cbr=1`. */
  readonly cbr?: boolean;
  /** Remote `maxplaybackrate` in Hz: caps the encoded audio bandwidth. Default 48000. */
  readonly maxPlaybackRate?: number;
}

function bandwidthFor(rateHz: number): number {
  if (rateHz <= 8000) return OpusConst.BANDWIDTH_NARROWBAND;
  if (rateHz <= 12000) return OpusConst.BANDWIDTH_MEDIUMBAND;
  if (rateHz <= 16000) return OpusConst.BANDWIDTH_WIDEBAND;
  if (rateHz <= 24000) return OpusConst.BANDWIDTH_SUPERWIDEBAND;
  return OpusConst.BANDWIDTH_FULLBAND;
}

function checkRate(rate: number): void {
  if (!OPUS_PCM_RATES.includes(rate)) throw new RangeError(`unsupported Opus PCM rate ${rate}`);
}

/** View a little-endian PCM Buffer as Int16Array (copies only if misaligned). */
function pcmView(buf: Buffer): Int16Array {
  if (buf.byteOffset % 2 === 0) return new Int16Array(buf.buffer, buf.byteOffset, buf.length >> 1);
  const out = new Int16Array(buf.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

/**
 * Opus encoder (mono, VOIP application, voice signal). With DTX on, payloads of 2 bytes
 * or less are silence frames that need not be sent (RFC 7587 §3.3).
 */
export class OpusAudioEncoder implements AudioEncoder {
  /** PCM rate in Hz. */
  readonly sampleRate: number;
  /** Samples per frame at `sampleRate`. */
  readonly samplesPerFrame: number;
  private readonly native: NativeOpus;

  /** @throws RangeError for an unsupported rate/frame size (programmer error). */
  constructor(options: OpusEncoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? 16000;
    checkRate(this.sampleRate);
    const frameMs = options.frameMs ?? 20;
    if (![10, 20, 40, 60].includes(frameMs)) throw new RangeError(`unsupported Opus frame ${frameMs} ms`);
    this.samplesPerFrame = (this.sampleRate * frameMs) / 1000;
    const Native = loadNative();
    this.native = new Native(this.sampleRate, 1);
    const n = this.native;
    // Application must be set before the first frame is encoded (libopus restriction).
    n.applyEncoderCTL(OpusCtl.SET_APPLICATION, OpusConst.APPLICATION_VOIP);
    n.applyEncoderCTL(OpusCtl.SET_SIGNAL, OpusConst.SIGNAL_VOICE);
    n.applyEncoderCTL(OpusCtl.SET_BITRATE, options.bitrate ?? 24000);
    n.applyEncoderCTL(OpusCtl.SET_COMPLEXITY, options.complexity ?? 5);
    const fec = options.inbandFec ?? false;
    n.applyEncoderCTL(OpusCtl.SET_INBAND_FEC, fec ? 1 : 0);
    n.applyEncoderCTL(OpusCtl.SET_PACKET_LOSS_PERC, options.packetLossPercent ?? (fec ? 10 : 0));
    n.applyEncoderCTL(OpusCtl.SET_DTX, options.dtx === true ? 1 : 0);
    n.applyEncoderCTL(OpusCtl.SET_VBR, options.cbr === true ? 0 : 1);
    const cap = Math.min(options.maxPlaybackRate ?? 48000, this.sampleRate);
    n.applyEncoderCTL(OpusCtl.SET_MAX_BANDWIDTH, bandwidthFor(cap));
  }

  /**
   * Encode exactly one frame.
   * @throws RangeError if `pcm.length !== samplesPerFrame` (programmer error).
   */
  encode(pcm: Int16Array): Buffer {
    if (pcm.length !== this.samplesPerFrame) {
      throw new RangeError(`Opus frame must be ${this.samplesPerFrame} samples, got ${pcm.length}`);
    }
    return this.native.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  /** Change the target bitrate (bit/s) mid-call, e.g. from RTCP feedback. */
  setBitrate(bitsPerSecond: number): void {
    this.native.applyEncoderCTL(OpusCtl.SET_BITRATE, bitsPerSecond);
  }
}

/** Decoder options. */
export interface OpusDecoderOptions {
  /** PCM output rate in Hz (8000/12000/16000/24000/48000). Default 16000. */
  readonly sampleRate?: number;
  /** Nominal frame duration in ms, used when a payload is undecodable. Default 20. */
  readonly frameMs?: number;
}

/** Opus decoder with in-band FEC recovery (patched binding) and libopus PLC. */
export class OpusAudioDecoder implements AudioDecoder {
  /** PCM rate in Hz. */
  readonly sampleRate: number;
  /**
   * True when the binding can decode in-band FEC (our pnpm patch is applied). False means
   * every lost packet is concealed with PLC; {@link recover} then always returns undefined.
   */
  readonly fecAvailable: boolean;
  private readonly native: NativeOpus;
  private readonly frameSamples: number;
  private static readonly EMPTY = Buffer.alloc(0);
  /** Unconsumed libopus PLC output from the current loss burst. */
  private plcCache: Int16Array | undefined;
  private plcOffset = 0;

  /** @throws RangeError for an unsupported rate (programmer error). */
  constructor(options: OpusDecoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? 16000;
    checkRate(this.sampleRate);
    this.frameSamples = (this.sampleRate * (options.frameMs ?? 20)) / 1000;
    const Native = loadNative();
    this.native = new Native(this.sampleRate, 1);
    this.fecAvailable = typeof this.native.decodeFec === 'function';
  }

  /**
   * Rebuild one lost packet of `samples` samples from the in-band FEC (LBRR) data of
   * `next`, the packet that follows it (RFC 6716 §2.1.7; decode_fec = 1 with the lost
   * packet's frame size, as the libopus API documents). Returns undefined, so the caller
   * conceals with PLC, when FEC decoding is unavailable (unpatched binding), `next`
   * carries no LBRR data (the sender did not enable FEC, CELT-only mode, or a silence
   * frame), or the decode fails. Never throws.
   */
  recover(samples: number, next: Buffer): Int16Array | undefined {
    if (!this.fecAvailable || !opusPacketHasLbrr(next)) return undefined;
    try {
      const pcm = pcmView(this.native.decodeFec!(next, samples));
      if (pcm.length !== samples) return undefined;
      this.plcCache = undefined;
      return pcm;
    } catch {
      return undefined;
    }
  }

  /**
   * Decode one RTP payload (may hold 2.5..120 ms). Never throws: a corrupt or empty
   * payload is concealed as one nominal frame.
   */
  decode(payload: Buffer): Int16Array {
    if (payload.length === 0) return this.conceal(this.frameSamples);
    try {
      const pcm = pcmView(this.native.decode(payload));
      this.plcCache = undefined;
      return pcm;
    } catch {
      return this.conceal(this.frameSamples);
    }
  }

  /**
   * Conceal one lost frame of `samples` samples at `sampleRate` using libopus PLC.
   * `next` is accepted for the contract but unused here: FEC goes through {@link recover}.
   */
  conceal(samples: number, _next?: Buffer): Int16Array {
    if (this.native.decodeLost !== undefined) {
      try {
        const pcm = pcmView(this.native.decodeLost(samples));
        if (pcm.length === samples) return pcm;
      } catch {
        // fall through to the sliced PLC below
      }
    }
    const out = new Int16Array(samples);
    let written = 0;
    while (written < samples) {
      if (this.plcCache === undefined || this.plcOffset >= this.plcCache.length) {
        let plc: Int16Array;
        try {
          plc = pcmView(this.native.decode(OpusAudioDecoder.EMPTY));
        } catch {
          return out; // remaining samples are silence
        }
        if (plc.length === 0) return out;
        this.plcCache = plc;
        this.plcOffset = 0;
      }
      const take = Math.min(samples - written, this.plcCache.length - this.plcOffset);
      out.set(this.plcCache.subarray(this.plcOffset, this.plcOffset + take), written);
      this.plcOffset += take;
      written += take;
    }
    return out;
  }
}
