/**
 * Audio codec contract. PCM is always signed 16-bit mono (`Int16Array`) at the codec's
 * `sampleRate`; one frame is `frameMs` long (20 ms by default).
 */

export interface AudioEncoder {
  /** Encode one frame of PCM (exactly `sampleRate * frameMs / 1000` samples). */
  encode(pcm: Int16Array): Buffer;
  /**
   * Optional allocation-free path for codecs whose payload size is known before encoding
   * (G.711: one byte per sample): write the payload for `pcm` into `target` at `offset`
   * (the RTP packet being built) and return its length in bytes. Implemented together
   * with {@link payloadSize}.
   */
  encodeInto?(pcm: Int16Array, target: Buffer, offset: number): number;
  /** Payload bytes {@link encodeInto} writes for `samples` samples. */
  payloadSize?(samples: number): number;
}

export interface AudioDecoder {
  /** Decode one payload to PCM at `sampleRate`. */
  decode(payload: Buffer): Int16Array;
  /**
   * Produce a concealment frame for one lost packet of `samples` samples (PLC).
   * `next`, when known, is the following packet's payload (Opus in-band FEC).
   */
  conceal(samples: number, next?: Buffer): Int16Array;
  /**
   * Optional in-band FEC (Opus, RFC 6716 §2.1.7): rebuild one lost packet of `samples`
   * samples from `next`, the payload of the packet after it. Returns undefined when `next`
   * carries no recovery data or FEC decoding is unavailable; the caller then uses
   * {@link conceal}. Never throws.
   */
  recover?(samples: number, next: Buffer): Int16Array | undefined;
  /** True when {@link recover} can decode FEC at all (false or absent: PLC only). */
  readonly fecAvailable?: boolean;
}

/** Static description of a codec as negotiated in SDP. */
export interface CodecInfo {
  /** SDP encoding name, upper-case as conventional: `PCMU`, `PCMA`, `opus`, `G722`, `telephone-event`. */
  readonly name: string;
  /** RTP clock rate in Hz (8000 for G.711, 48000 for Opus per RFC 7587). */
  readonly clockRate: number;
  /** Audio channels in SDP (`opus/48000/2`); 1 when absent. */
  readonly channels: number;
  /** PCM rate the codec decodes to / encodes from (8000 for G.711; 8000..48000 for Opus). */
  readonly sampleRate: number;
}
