/**
 * Estimated call quality: ITU-T G.107 E-model reduced to the terms a media endpoint can
 * measure (one-way delay and packet loss), mapped to MOS (G.107 Annex B).
 */

/** Codec impairment parameters (ITU-T G.113 Appendix I). */
export interface CodecImpairment {
  /** Equipment impairment factor Ie. G.711: 0. */
  readonly ie: number;
  /** Packet-loss robustness factor Bpl. G.711 with PLC: 25.1. */
  readonly bpl: number;
}

/** G.711 with packet loss concealment (G.113 Appendix I). */
export const G711_IMPAIRMENT: CodecImpairment = { ie: 0, bpl: 25.1 };

/**
 * E-model rating R for a one-way mouth-to-ear delay (ms) and a packet loss percentage.
 * R = 93.2 - Id - Ie,eff (G.107 §7 with default Ro - Is), Id from the common
 * Cole-Rosenbluth fit of G.107's delay impairment: 0.024 d + 0.11 (d - 177.3) for d > 177.3.
 */
export function eModelRFactor(oneWayDelayMs: number, lossPercent: number, codec = G711_IMPAIRMENT): number {
  const d = Math.max(0, oneWayDelayMs);
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ppl = Math.max(0, lossPercent);
  // G.107 §7.4: Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl + Bpl) (random loss, BurstR = 1)
  const ieEff = codec.ie + ((95 - codec.ie) * ppl) / (ppl + codec.bpl);
  return 93.2 - id - ieEff;
}

/** G.107 Annex B: MOS (1..4.5) from the rating R. */
export function rFactorToMos(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}
