/**
 * G.711 PCMU / PCMA as {@link AudioEncoder} / {@link AudioDecoder} (RFC 3551 §4.5.14:
 * 8 kHz, one byte per sample, RTP clock 8000), with waveform-substitution PLC.
 */
import type { AudioDecoder, AudioEncoder } from './types.js';
import {
  ALAW_ENCODE_TABLE,
  MULAW_ENCODE_TABLE,
  decodeALaw,
  decodeMuLaw,
  encodeALaw,
  encodeMuLaw,
} from './g711.js';
import { WaveformConcealer } from './packet-loss-concealment.js';

/** Which G.711 law. */
export type G711Law = 'PCMU' | 'PCMA';

/** G.711 encoder: 16-bit PCM at 8 kHz -> one byte per sample. Stateless. */
export class G711Encoder implements AudioEncoder {
  /** @param law - `PCMU` (mu-law, PT 0) or `PCMA` (A-law, PT 8). */
  constructor(readonly law: G711Law) {}

  /** Encode a frame (any length; 160 samples for 20 ms). Returns a new Buffer. */
  encode(pcm: Int16Array): Buffer {
    return this.law === 'PCMU' ? encodeMuLaw(pcm) : encodeALaw(pcm);
  }

  /** Write one byte per sample into `target` at `offset` (no allocation); returns `pcm.length`. */
  encodeInto(pcm: Int16Array, target: Buffer, offset: number): number {
    const table = this.law === 'PCMU' ? MULAW_ENCODE_TABLE : ALAW_ENCODE_TABLE;
    for (let i = 0; i < pcm.length; i++) target[offset + i] = table[pcm[i]! & 0xffff]!;
    return pcm.length;
  }

  /** One byte per sample (RFC 3551 §4.5.14). */
  payloadSize(samples: number): number {
    return samples;
  }
}

/** G.711 decoder with G.711 Appendix I-style concealment. */
export class G711Decoder implements AudioDecoder {
  private readonly plc = new WaveformConcealer(8000);

  /** @param law - `PCMU` (mu-law, PT 0) or `PCMA` (A-law, PT 8). */
  constructor(readonly law: G711Law) {}

  /** Decode a payload (any length, one sample per byte). Never throws. */
  decode(payload: Buffer): Int16Array {
    const pcm = this.law === 'PCMU' ? decodeMuLaw(payload) : decodeALaw(payload);
    this.plc.observe(pcm);
    return pcm;
  }

  /**
   * Conceal one lost frame of `samples` samples (8 kHz): repeat the last pitch period,
   * fading by 20 % per 10 ms after 10 ms, silence after 60 ms. `next` is ignored
   * (G.711 carries no redundancy).
   */
  conceal(samples: number, _next?: Buffer): Int16Array {
    return this.plc.conceal(samples);
  }
}
