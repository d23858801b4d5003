import { readFileSync } from 'node:fs';
import { parseWav, type PcmAudio } from '../../packages/daemon/src/audio/wav.js';

/** Reads a 16-bit PCM WAV file (first channel if several). */
export function readWav(path: string): PcmAudio {
  const r = parseWav(readFileSync(path));
  if (!r.ok) throw new Error(`${path}: ${r.reason}`);
  if (r.audio.channels === 1) return r.audio;
  const n = Math.floor(r.audio.samples.length / r.audio.channels);
  const mono = new Int16Array(n);
  for (let i = 0; i < n; i++) mono[i] = r.audio.samples[i * r.audio.channels] ?? 0;
  return { sampleRate: r.audio.sampleRate, channels: 1, samples: mono };
}

/** RMS level of `s` (0..32767). */
export function rms(s: Int16Array): number {
  let sum = 0;
  for (const v of s) sum += v * v;
  return s.length === 0 ? 0 : Math.sqrt(sum / s.length);
}

/**
 * Normalised cross-correlation of `ref` against `hay` at every lag in [minLag, maxLag]
 * (samples). Returns the best lag and its coefficient in [-1, 1]: about 1 when `hay`
 * holds a (delayed, G.711-coded) copy of `ref`, about 0 for unrelated audio.
 */
export function bestMatch(
  ref: Int16Array,
  hay: Int16Array,
  minLag: number,
  maxLag: number,
): { lag: number; corr: number } {
  let refEnergy = 0;
  for (const v of ref) refEnergy += v * v;
  let best = { lag: minLag, corr: -2 };
  const n = ref.length;
  for (let lag = Math.max(0, minLag); lag <= maxLag && lag + n <= hay.length; lag++) {
    let dot = 0;
    let e = 0;
    for (let i = 0; i < n; i++) {
      const h = hay[lag + i] as number;
      dot += (ref[i] as number) * h;
      e += h * h;
    }
    const corr = refEnergy > 0 && e > 0 ? dot / Math.sqrt(refEnergy * e) : 0;
    if (corr > best.corr) best = { lag, corr };
  }
  return best;
}
