import { describe, expect, it } from 'vitest';
import {
  G711_IMPAIRMENT,
  G711_NO_PLC_IMPAIRMENT,
  G722_IMPAIRMENT,
  OPUS_NARROWBAND_IMPAIRMENT,
  OPUS_WIDEBAND_IMPAIRMENT,
  codecImpairment,
  eModelRFactor,
  mosForScale,
  rFactorToMos,
} from './call-quality.js';

describe('E-model per codec (G.107, G.107.1, G.113)', () => {
  it('picks the impairment from the negotiated codec', () => {
    expect(codecImpairment({ name: 'PCMU', sampleRate: 8000 })).toBe(G711_IMPAIRMENT);
    expect(codecImpairment({ name: 'PCMA', sampleRate: 8000 }, false)).toBe(G711_NO_PLC_IMPAIRMENT);
    expect(codecImpairment({ name: 'G722', sampleRate: 16000 })).toBe(G722_IMPAIRMENT);
    expect(codecImpairment({ name: 'opus', sampleRate: 16000 })).toBe(OPUS_WIDEBAND_IMPAIRMENT);
    expect(codecImpairment({ name: 'opus', sampleRate: 8000 })).toBe(OPUS_NARROWBAND_IMPAIRMENT);
    expect(codecImpairment({ name: 'L16', sampleRate: 8000 })).toBe(G711_IMPAIRMENT);
  });

  it('G.711 without loss and delay rates 93.2 (MOS 4.41); 1 % loss costs ~3.6 with PLC', () => {
    expect(eModelRFactor(0, 0, G711_IMPAIRMENT)).toBeCloseTo(93.2, 5);
    expect(rFactorToMos(93.2)).toBeCloseTo(4.41, 2);
    // Ie,eff = 95 * 1 / (1 + 25.1) = 3.64 (G.107 §7.4)
    expect(eModelRFactor(0, 1, G711_IMPAIRMENT)).toBeCloseTo(93.2 - 95 / 26.1, 5);
  });

  it('G.711 without PLC suffers far more from the same loss (Bpl 4.3 vs 25.1)', () => {
    const withPlc = eModelRFactor(40, 2, G711_IMPAIRMENT);
    const without = eModelRFactor(40, 2, G711_NO_PLC_IMPAIRMENT);
    expect(without).toBeLessThan(withPlc - 20);
    expect(without).toBeCloseTo(93.2 - 0.96 - (95 * 2) / 6.3, 5);
  });

  it('wideband codecs rate on the 129 scale and map to MOS through R / 1.29', () => {
    expect(eModelRFactor(0, 0, G722_IMPAIRMENT)).toBeCloseTo(116, 5);
    expect(eModelRFactor(0, 0, OPUS_WIDEBAND_IMPAIRMENT)).toBeCloseTo(118, 5);
    expect(mosForScale(129, 'wideband')).toBeCloseTo(4.5, 5);
    expect(mosForScale(116, 'wideband')).toBeCloseTo(rFactorToMos(116 / 1.29), 10);
    // G.107.1: Ie,eff,WB = Ie,WB + (129 - Ie,WB) * Ppl / (Ppl + Bpl)
    expect(eModelRFactor(0, 5, G722_IMPAIRMENT)).toBeCloseTo(129 - 13 - (116 * 5) / 30.1, 5);
  });

  it('MOS falls monotonically with loss and delay for every codec', () => {
    for (const c of [
      G711_IMPAIRMENT,
      G722_IMPAIRMENT,
      OPUS_WIDEBAND_IMPAIRMENT,
      OPUS_NARROWBAND_IMPAIRMENT,
    ]) {
      let last = Infinity;
      for (const loss of [0, 1, 3, 10, 30]) {
        const mos = mosForScale(eModelRFactor(60, loss, c), c.scale);
        expect(mos).toBeLessThan(last);
        expect(mos).toBeGreaterThanOrEqual(1);
        last = mos;
      }
      expect(eModelRFactor(300, 0, c)).toBeLessThan(eModelRFactor(100, 0, c));
    }
  });
});
