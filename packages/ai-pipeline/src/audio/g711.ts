/** G.711 mu-law decoding (ITU-T G.711 §3), for TTS providers that return ulaw_8000. */

/** Decodes one mu-law byte to a 16-bit linear sample. */
export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude | 0 : magnitude;
}

/** Encodes one 16-bit linear sample to mu-law (used by tests and fakes). */
export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let mag = Math.min(32635, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (mag & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (mag >> (exponent + 3)) & 0x0f;
  mag = ~(sign | (exponent << 4) | mantissa) & 0xff;
  return mag;
}

/** Decodes a mu-law buffer to linear PCM. */
export function decodeUlaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = ulawToLinear(bytes[i] ?? 0xff);
  return out;
}

/** Encodes linear PCM to mu-law bytes. */
export function encodeUlaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = linearToUlaw(pcm[i] ?? 0);
  return out;
}
