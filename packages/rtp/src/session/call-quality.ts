/**
 * Estimated call quality: the ITU-T G.107 E-model (narrowband) and its wideband extension
 * G.107.1, reduced to the terms a media endpoint can measure (one-way delay and packet
 * loss), mapped to MOS (G.107 Annex B).
 *
 * Scales. Narrowband codecs (G.711) are rated on the G.107 scale, whose best value with
 * default parameters is Ro - Is = 93.2. Wideband codecs (G.722, Opus at 16 kHz and above)
 * are rated on the G.107.1 scale, which extends it to Ro,WB = 129 (a narrowband G.711
 * connection keeps its rating). MOS for a wideband rating uses R / 1.29 in the G.107
 * Annex B formula (the G.107.1 conversion), so both MOS values lie in 1..4.5; they come
 * from different listening contexts and are not strictly comparable with each other.
 */
import type { CodecInfo } from '../codec/types.js';

/** Codec impairment parameters for the E-model. */
export interface CodecImpairment {
  /** Equipment impairment factor Ie (narrowband) or Ie,WB (wideband). G.711: 0. */
  readonly ie: number;
  /** Packet-loss robustness factor Bpl (random loss). G.711 with PLC: 25.1. */
  readonly bpl: number;
  /** Rating scale: `narrowband` (G.107, Ro - Is = 93.2) or `wideband` (G.107.1, 129). Default narrowband. */
  readonly scale?: 'narrowband' | 'wideband';
}

/** Best rating on each scale with default E-model parameters (G.107 §7; G.107.1 Ro,WB). */
const R_MAX = { narrowband: 93.2, wideband: 129 } as const;

/** G.711 with packet loss concealment (G.113 Appendix I, Table I.3: Ie 0, Bpl 25.1). */
export const G711_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 25.1, scale: 'narrowband' };

/** G.711 without packet loss concealment (G.113 Appendix I, Table I.3: Ie 0, Bpl 4.3). */
export const G711_NO_PLC_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 4.3, scale: 'narrowband' };

/**
 * G.722 at 64 kbit/s, wideband. Ie,WB = 13 is the G.113 Appendix IV wideband equipment
 * impairment factor. Bpl is an approximation, not an ITU value: our G.722 decoder uses the
 * same G.711 Appendix I-style waveform substitution as G.711, so G.711's 25.1 is reused.
 */
export const G722_IMPAIRMENT: CodecImpairment = { ie: 13, bpl: 25.1, scale: 'wideband' };

/**
 * Opus (SILK wideband, about 24 kbit/s, RFC 6716), wideband. ITU-T publishes no Ie,WB for
 * Opus; this is a documented approximation: Ie,WB = 11, the G.113 Appendix IV value of
 * AMR-WB (G.722.2) at 12.65 kbit/s, a conservative stand-in since SILK-WB at 24 kbit/s
 * rates at or above it in listening tests; Bpl = 25.1 assumes libopus PLC conceals as well
 * as G.711 Appendix I. Losses repaired by in-band FEC are not counted as loss (see
 * `RtpSession.stats`), which is where Opus gains over that assumption.
 */
export const OPUS_WIDEBAND_IMPAIRMENT: CodecImpairment = { ie: 11, bpl: 25.1, scale: 'wideband' };

/**
 * Opus decoded to narrowband (8 or 12 kHz PCM): rated on the narrowband scale. Ie = 10 is
 * an approximation (between G.729A's 11 and GSM-EFR's 5 in G.113 Appendix I, Table I.1,
 * for a codec at far higher bitrate); Bpl as {@link OPUS_WIDEBAND_IMPAIRMENT}.
 */
export const OPUS_NARROWBAND_IMPAIRMENT: CodecImpairment = { ie: 10, bpl: 25.1, scale: 'narrowband' };

/**
 * The impairment to rate a negotiated codec with. G.711 and G.722 decoders in this package
 * always conceal losses; pass `plc: false` for a path that does not (G.711 only).
 * Unknown codecs get G.711's values.
 */
export function codecImpairment(info: Pick<CodecInfo, 'name' | 'sampleRate'>, plc = true): CodecImpairment {
  const name = info.name.toUpperCase();
  if (name === 'G722') return G722_IMPAIRMENT;
  if (name === 'OPUS')
    return info.sampleRate >= 16000 ? OPUS_WIDEBAND_IMPAIRMENT : OPUS_NARROWBAND_IMPAIRMENT;
  return plc ? G711_IMPAIRMENT : G711_NO_PLC_IMPAIRMENT;
}

/**
 * E-model rating R for a one-way mouth-to-ear delay (ms) and a packet loss percentage, on
 * the codec's scale (narrowband 0..93.2, wideband 0..129).
 * R = Rmax - Id - Ie,eff (G.107 §7 with default Ro - Is; G.107.1 for wideband), Id from
 * the common Cole-Rosenbluth fit of G.107's delay impairment:
 * 0.024 d + 0.11 (d - 177.3) for d > 177.3.
 */
export function eModelRFactor(oneWayDelayMs: number, lossPercent: number, codec = G711_IMPAIRMENT): number {
  const rMax = R_MAX[codec.scale ?? 'narrowband'];
  const d = Math.max(0, oneWayDelayMs);
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ppl = Math.max(0, lossPercent);
  // G.107 §7.4: Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl + Bpl) (random loss, BurstR = 1);
  // G.107.1 replaces 95 with 129 on the wideband scale.
  const ceiling = codec.scale === 'wideband' ? 129 : 95;
  const ieEff = codec.ie + ((ceiling - codec.ie) * ppl) / (ppl + codec.bpl);
  return rMax - id - ieEff;
}

/** G.107 Annex B: MOS (1..4.5) from a narrowband rating R. */
export function rFactorToMos(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** MOS (1..4.5) from a rating on `scale`: wideband ratings are divided by 1.29 (G.107.1) first. */
export function mosForScale(r: number, scale: 'narrowband' | 'wideband' = 'narrowband'): number {
  return rFactorToMos(scale === 'wideband' ? r / 1.29 : r);
}
