/**
 * G.722 as {@link AudioEncoder} / {@link AudioDecoder}: 16 kHz PCM, RTP payload type 9,
 * RTP clock 8000 (RFC 3551 §4.5.2: the clock rate is 8000 "for historical reasons"), so
 * a 20 ms frame is 320 samples, 160 bytes and 160 timestamp ticks.
 */
import type { AudioDecoder, AudioEncoder } from './types.js';
import { G722Decoder, G722Encoder } from './g722.js';
import { WaveformConcealer } from './packet-loss-concealment.js';

/** G.722 PCM sample rate (Hz). */
export const G722_SAMPLE_RATE = 16000;
/** G.722 RTP clock rate (Hz), RFC 3551 §4.5.2. */
export const G722_RTP_CLOCK_RATE = 8000;

/** G.722 encoder at 64 kbit/s (16 kHz PCM in). */
export class G722AudioEncoder implements AudioEncoder {
  private readonly codec = new G722Encoder();

  /** Encode one frame (even number of 16 kHz samples; 320 for 20 ms). */
  encode(pcm: Int16Array): Buffer {
    return this.codec.encode(pcm);
  }
}

/**
 * G.722 decoder with waveform-substitution PLC (repeat pitch, fade, silence after
 * 60 ms). The ADPCM state is not advanced during a loss; it re-converges within a few
 * ms of the next good packet (G.722 Appendix III/IV PLC is not implemented).
 */
export class G722AudioDecoder implements AudioDecoder {
  private readonly codec = new G722Decoder();
  private readonly plc = new WaveformConcealer(G722_SAMPLE_RATE);

  /** Decode one payload (160 bytes -> 320 samples). Never throws. */
  decode(payload: Buffer): Int16Array {
    const pcm = this.codec.decode(payload);
    this.plc.observe(pcm);
    return pcm;
  }

  /** Conceal one lost frame of `samples` 16 kHz samples. `next` is unused. */
  conceal(samples: number, _next?: Buffer): Int16Array {
    return this.plc.conceal(samples);
  }
}
