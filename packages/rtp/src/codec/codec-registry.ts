/**
 * Codec factory: builds the encoder/decoder pair for a codec negotiated in SDP.
 * Supported: PCMU, PCMA (RFC 3551 §4.5.14), G722 (RFC 3551 §4.5.2), opus (RFC 7587).
 */
import type { AudioDecoder, AudioEncoder, CodecInfo } from './types.js';
import { G711Decoder, G711Encoder } from './g711-codec.js';
import { G722AudioDecoder, G722AudioEncoder, G722_RTP_CLOCK_RATE, G722_SAMPLE_RATE } from './g722-codec.js';
import { OPUS_RTP_CLOCK_RATE, OpusAudioDecoder, OpusAudioEncoder } from './opus.js';

/** Input of {@link createCodec}: the negotiated codec, its remote fmtp and frame size. */
export type CreateCodecInput = CodecInfo & {
  /** The remote side's fmtp parameters for this payload type (RFC 7587 §6.1 for Opus). */
  fmtp?: Record<string, string | number>;
  /** Frame duration in ms (SDP ptime). Default 20. */
  frameMs?: number;
  /** Opus only: target bitrate in bit/s. Default 24000 (capped by `maxaveragebitrate`). */
  opusBitrate?: number;
  /** Opus only: encoder complexity 0..10. Default 5. */
  opusComplexity?: number;
};

/** An encoder/decoder pair with its framing. */
export interface CodecInstance {
  readonly encoder: AudioEncoder;
  readonly decoder: AudioDecoder;
  /** PCM samples per frame at `CodecInfo.sampleRate` (160 for 20 ms G.711). */
  readonly samplesPerFrame: number;
  /** RTP timestamp increment per frame in clock-rate ticks (960 for 20 ms Opus). */
  readonly rtpTicksPerFrame: number;
}

/** Thrown by {@link createCodec} for a codec this package cannot run (programmer error). */
export class UnsupportedCodecError extends Error {
  override readonly name = 'UnsupportedCodecError';
}

/** Codec names {@link createCodec} accepts (compare case-insensitively). */
export const SUPPORTED_CODECS: readonly string[] = ['PCMU', 'PCMA', 'G722', 'opus'];

function fmtpNumber(fmtp: Record<string, string | number> | undefined, key: string): number | undefined {
  const v = fmtp?.[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Create the codec pair for a negotiated payload type.
 * @throws UnsupportedCodecError for unknown names or an unsupported G.711 rate.
 */
export function createCodec(info: CreateCodecInput): CodecInstance {
  const frameMs = info.frameMs ?? 20;
  const name = info.name.toUpperCase();
  if (name === 'PCMU' || name === 'PCMA') {
    if (info.clockRate !== 8000) throw new UnsupportedCodecError(`${info.name}/${info.clockRate}`);
    const samples = (8000 * frameMs) / 1000;
    return {
      encoder: new G711Encoder(name),
      decoder: new G711Decoder(name),
      samplesPerFrame: samples,
      rtpTicksPerFrame: samples,
    };
  }
  if (name === 'G722') {
    // RFC 3551 §4.5.2: 16 kHz audio, 8000 Hz RTP clock; `info.sampleRate` is ignored.
    if (info.clockRate !== G722_RTP_CLOCK_RATE) throw new UnsupportedCodecError(`G722/${info.clockRate}`);
    return {
      encoder: new G722AudioEncoder(),
      decoder: new G722AudioDecoder(),
      samplesPerFrame: (G722_SAMPLE_RATE * frameMs) / 1000,
      rtpTicksPerFrame: (G722_RTP_CLOCK_RATE * frameMs) / 1000,
    };
  }
  if (name === 'OPUS') {
    const fmtp = info.fmtp;
    const sampleRate = info.sampleRate;
    const maxAvg = fmtpNumber(fmtp, 'maxaveragebitrate');
    const wanted = info.opusBitrate ?? 24000;
    // RFC 7587 §6.1: the remote's fmtp describes what it wants to RECEIVE, i.e. how we encode.
    const encoder = new OpusAudioEncoder({
      sampleRate,
      frameMs,
      bitrate: maxAvg !== undefined && maxAvg >= 6000 ? Math.min(wanted, maxAvg) : wanted,
      complexity: info.opusComplexity ?? 5,
      inbandFec: fmtpNumber(fmtp, 'useinbandfec') === 1,
      dtx: fmtpNumber(fmtp, 'usedtx') === 1,
      cbr: fmtpNumber(fmtp, 'cbr') === 1,
      maxPlaybackRate: fmtpNumber(fmtp, 'maxplaybackrate') ?? 48000,
    });
    return {
      encoder,
      decoder: new OpusAudioDecoder({ sampleRate, frameMs }),
      samplesPerFrame: (sampleRate * frameMs) / 1000,
      rtpTicksPerFrame: (OPUS_RTP_CLOCK_RATE * frameMs) / 1000,
    };
  }
  throw new UnsupportedCodecError(`unsupported codec ${info.name}`);
}
