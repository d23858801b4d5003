import { samplesPerFrame } from '../frames.js';

/** A 20 ms frame of a sine tone (speech stand-in) at `amplitude` (0..32767). Default 8000. */
export function toneFrame(sampleRate: number, amplitude = 8000, freqHz = 440, frameIndex = 0): Int16Array {
  const n = samplesPerFrame(sampleRate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * (frameIndex * n + i)) / sampleRate));
  }
  return out;
}

/** A 20 ms frame of low deterministic noise (line hiss) at `amplitude`. Default 30. */
export function noiseFrame(sampleRate: number, amplitude = 30, seed = 1): Int16Array {
  const n = samplesPerFrame(sampleRate);
  const out = new Int16Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = Math.round((((x >>> 0) / 0xffffffff) * 2 - 1) * amplitude);
  }
  return out;
}
