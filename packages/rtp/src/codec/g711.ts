/**
 * ITU-T G.711 mu-law (PCMU) and A-law (PCMA) companding with precomputed tables.
 *
 * Decoding is one lookup in a 256-entry `Int16Array`; encoding is one lookup in a
 * 65536-entry `Uint8Array` indexed by the 16-bit two's-complement sample (64 KiB per
 * law, built once at module load). The table contents follow the reference bit
 * manipulations of G.711 (mu-law: bias 0x84, clip 32635; A-law: even-bit inversion 0x55)
 * and are verified sample-for-sample against the `alawmulaw` package in the tests.
 */

/** mu-law bias added before segment search (G.711 §2, 0x84 = 132 in 16-bit scale). */
const MULAW_BIAS = 0x84;
/** Largest magnitude representable after biasing (G.711 mu-law clip level). */
const MULAW_CLIP = 32635;

function segmentOf(value: number, firstSegmentLimit: number): number {
  // Number of doublings of `firstSegmentLimit` needed to cover `value` (0..7).
  let seg = 0;
  let limit = firstSegmentLimit;
  while (seg < 7 && value > limit) {
    seg++;
    limit = limit * 2 + 1;
  }
  return seg;
}

/** Reference mu-law encoder for one 16-bit sample (G.711 Table 2a). Used to build tables. */
function muLawEncodeReference(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign !== 0) s = -s;
  s += MULAW_BIAS;
  if (s > MULAW_CLIP) s = MULAW_CLIP;
  const exponent = segmentOf(s >> 7, 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Reference mu-law decoder for one code word (G.711 Table 2a). */
function muLawDecodeReference(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** Reference A-law encoder for one 16-bit sample (G.711 Table 1a), 13-bit precision. */
function aLawEncodeReference(sample: number): number {
  let s = sample === -32768 ? -32767 : sample;
  // Sign bit is 1 for positive values before the 0x55 even-bit inversion.
  const sign = s >= 0 ? 0x80 : 0;
  if (sign === 0) s = -s;
  if (s > 32635) s = 32635;
  let compressed: number;
  if (s >= 256) {
    const exponent = segmentOf(s >> 8, 1) + 1;
    const mantissa = (s >> (exponent + 3)) & 0x0f;
    compressed = (exponent << 4) | mantissa;
  } else {
    compressed = s >> 4;
  }
  return (compressed ^ (sign ^ 0x55)) & 0xff;
}

/** Reference A-law decoder for one code word (G.711 Table 1a). */
function aLawDecodeReference(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude: number;
  if (exponent === 0) magnitude = (mantissa << 4) + 8;
  else magnitude = ((mantissa << 4) + 0x108) << (exponent - 1);
  return (a & 0x80) !== 0 ? magnitude : -magnitude;
}

function buildDecodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = encode(i >= 32768 ? i - 65536 : i);
  return table;
}

/** mu-law code word -> linear 16-bit PCM (256 entries). */
export const MULAW_DECODE_TABLE: Readonly<Int16Array> = buildDecodeTable(muLawDecodeReference);
/** A-law code word -> linear 16-bit PCM (256 entries). */
export const ALAW_DECODE_TABLE: Readonly<Int16Array> = buildDecodeTable(aLawDecodeReference);
/** Linear 16-bit PCM (as unsigned index `sample & 0xffff`) -> mu-law code word. */
export const MULAW_ENCODE_TABLE: Readonly<Uint8Array> = buildEncodeTable(muLawEncodeReference);
/** Linear 16-bit PCM (as unsigned index `sample & 0xffff`) -> A-law code word. */
export const ALAW_ENCODE_TABLE: Readonly<Uint8Array> = buildEncodeTable(aLawEncodeReference);

/**
 * Encode 16-bit PCM to mu-law (PCMU, RTP payload type 0).
 * @param pcm - samples at 8 kHz (any length).
 * @param out - optional destination (reused to avoid allocation); must hold `pcm.length` bytes.
 * @returns one byte per sample (`out` when given, sliced to `pcm.length`).
 */
export function encodeMuLaw(pcm: Int16Array, out?: Buffer): Buffer {
  const dst = out ?? Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) dst[i] = MULAW_ENCODE_TABLE[pcm[i]! & 0xffff]!;
  return out !== undefined && out.length !== pcm.length ? dst.subarray(0, pcm.length) : dst;
}

/**
 * Decode mu-law (PCMU) bytes to 16-bit PCM.
 * @param payload - one code word per sample.
 * @param out - optional destination; must hold `payload.length` samples.
 */
export function decodeMuLaw(payload: Uint8Array, out?: Int16Array): Int16Array {
  const dst = out ?? new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) dst[i] = MULAW_DECODE_TABLE[payload[i]!]!;
  return out !== undefined && out.length !== payload.length ? dst.subarray(0, payload.length) : dst;
}

/**
 * Encode 16-bit PCM to A-law (PCMA, RTP payload type 8).
 * @param pcm - samples at 8 kHz (any length).
 * @param out - optional destination; must hold `pcm.length` bytes.
 */
export function encodeALaw(pcm: Int16Array, out?: Buffer): Buffer {
  const dst = out ?? Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) dst[i] = ALAW_ENCODE_TABLE[pcm[i]! & 0xffff]!;
  return out !== undefined && out.length !== pcm.length ? dst.subarray(0, pcm.length) : dst;
}

/**
 * Decode A-law (PCMA) bytes to 16-bit PCM.
 * @param payload - one code word per sample.
 * @param out - optional destination; must hold `payload.length` samples.
 */
export function decodeALaw(payload: Uint8Array, out?: Int16Array): Int16Array {
  const dst = out ?? new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) dst[i] = ALAW_DECODE_TABLE[payload[i]!]!;
  return out !== undefined && out.length !== payload.length ? dst.subarray(0, payload.length) : dst;
}

/** mu-law code for digital silence (linear 0), used for comfort/silence fill. */
export const MULAW_SILENCE = 0xff;
/** A-law code for linear silence (closest to 0), used for comfort/silence fill. */
export const ALAW_SILENCE = 0xd5;
