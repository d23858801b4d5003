import { describe, expect, it } from 'vitest';
import { OpusAudioDecoder, OpusAudioEncoder } from './opus.js';
import { opusPacketHasLbrr } from './opus-packet.js';

const RATE = 16000;
const FRAME = 320; // 20 ms at 16 kHz

/**
 * Speech-like test signal: a glottal pulse train (pitch gliding 110..160 Hz) through two
 * formant-like resonators, plus aspiration noise, in 200 ms syllables with 50 ms pauses
 * (a steady tone would look like background noise to the SILK VAD). Deterministic.
 */
function speechLike(frames: number): Int16Array {
  const n = frames * FRAME;
  const out = new Int16Array(n);
  let phase = 0;
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 0x1_0000_0000 - 0.5;
  };
  const res = (f: number, bw: number): { a1: number; a2: number } => {
    const r = Math.exp((-Math.PI * bw) / RATE);
    return { a1: 2 * r * Math.cos((2 * Math.PI * f) / RATE), a2: -r * r };
  };
  const f1 = res(700, 130);
  const f2 = res(1220, 170);
  let y1a = 0;
  let y1b = 0;
  let y2a = 0;
  let y2b = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const pitch = 135 + 25 * Math.sin(2 * Math.PI * 1.3 * t);
    phase += pitch / RATE;
    let pulse = 0;
    if (phase >= 1) {
      phase -= 1;
      pulse = 1;
    }
    const a = pulse + 0.05 * noise(); // glottal pulse plus aspiration noise
    const v1 = a + f1.a1 * y1a + f1.a2 * y1b;
    y1b = y1a;
    y1a = v1;
    const v2 = v1 + f2.a1 * y2a + f2.a2 * y2b;
    y2b = y2a;
    y2a = v2;
    // Syllables: 200 ms voiced (raised-cosine edges), then 50 ms pause.
    const inSyllable = t % 0.25;
    const env = inSyllable < 0.2 ? Math.sin((Math.PI * inSyllable) / 0.2) ** 0.5 : 0.01;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v2 * 260 * env)));
  }
  return out;
}

/** Normalised cross-correlation at the best lag within +-maxLag samples (codec delay). */
function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): number {
  let best = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      ab += a[i]! * b[j]!;
      aa += a[i]! * a[i]!;
      bb += b[j]! * b[j]!;
    }
    if (aa > 0 && bb > 0) best = Math.max(best, ab / Math.sqrt(aa * bb));
  }
  return best;
}

function encodeAll(signal: Int16Array, fec: boolean): Buffer[] {
  const enc = new OpusAudioEncoder({
    sampleRate: RATE,
    inbandFec: fec,
    packetLossPercent: fec ? 20 : 0,
    bitrate: 24000,
  });
  const packets: Buffer[] = [];
  for (let f = 0; f < signal.length / FRAME; f++) {
    packets.push(enc.encode(signal.subarray(f * FRAME, (f + 1) * FRAME)));
  }
  return packets;
}

/** Decode every packet but `lost`, recovering it with FEC (when `useFec`) or PLC. */
function decodeWithLoss(packets: Buffer[], lost: number, useFec: boolean): { pcm: Int16Array; fec: boolean } {
  const dec = new OpusAudioDecoder({ sampleRate: RATE });
  const out = new Int16Array(packets.length * FRAME);
  let fec = false;
  for (let f = 0; f < packets.length; f++) {
    let pcm: Int16Array;
    if (f === lost) {
      const r = useFec ? dec.recover(FRAME, packets[f + 1]!) : undefined;
      fec = r !== undefined;
      pcm = r ?? dec.conceal(FRAME);
    } else {
      pcm = dec.decode(packets[f]!);
    }
    out.set(pcm, f * FRAME);
  }
  return { pcm: out, fec };
}

describe('Opus in-band FEC (RFC 6716 §2.1.7, RFC 7587 §3.3)', () => {
  const signal = speechLike(50);

  it('the patched binding exposes FEC decoding', () => {
    expect(new OpusAudioDecoder({ sampleRate: RATE }).fecAvailable).toBe(true);
  });

  it('an encoder with useinbandfec=1 puts LBRR data in its packets; without it, none', () => {
    const withFec = encodeAll(signal, true);
    const without = encodeAll(signal, false);
    // LBRR protects the previous frame when it was active speech (not in the pauses).
    expect(withFec.slice(2).filter(opusPacketHasLbrr).length).toBeGreaterThan(35);
    expect(without.filter(opusPacketHasLbrr)).toHaveLength(0);
  });

  it('a frame decoded from the next packet’s FEC correlates with the original better than PLC', () => {
    const packets = encodeAll(signal, true);
    // Compare each lost frame with the original, allowing the codec's delay as lag.
    const lostFrames = [4, 7, 17, 20, 30, 33, 42, 45]; // mid-syllable frames
    let fecWins = 0;
    for (const lost of lostFrames) {
      const fec = decodeWithLoss(packets, lost, true);
      const plc = decodeWithLoss(packets, lost, false);
      expect(fec.fec).toBe(true);
      const original = signal.subarray(lost * FRAME, (lost + 1) * FRAME);
      const at = (x: Int16Array): Int16Array => x.subarray(lost * FRAME, (lost + 1) * FRAME);
      const cFec = bestCorrelation(original, at(fec.pcm), 40);
      const cPlc = bestCorrelation(original, at(plc.pcm), 40);
      expect(cFec).toBeGreaterThan(0.6);
      if (cFec > cPlc) fecWins++;
    }
    expect(fecWins).toBe(lostFrames.length);
  });

  it('falls back to PLC (recover returns undefined) when the next packet has no FEC', () => {
    const packets = encodeAll(signal, false);
    const r = decodeWithLoss(packets, 20, true);
    expect(r.fec).toBe(false);
    expect(r.pcm.length).toBe(packets.length * FRAME);
  });

  it('recover never throws on garbage and conceal returns exactly one frame', () => {
    const dec = new OpusAudioDecoder({ sampleRate: RATE });
    expect(dec.recover(FRAME, Buffer.from([0x08, 0xff, 0xff]))).toSatisfy(
      (x: Int16Array | undefined) => x === undefined || x.length === FRAME,
    );
    expect(dec.recover(FRAME, Buffer.alloc(0))).toBeUndefined();
    expect(dec.conceal(FRAME)).toHaveLength(FRAME);
  });
});

describe('opusPacketHasLbrr', () => {
  it('never reports LBRR for CELT-only or truncated packets', () => {
    expect(opusPacketHasLbrr(Buffer.from([0xf8, 0xff]))).toBe(false); // config 31: CELT
    expect(opusPacketHasLbrr(Buffer.from([0x08]))).toBe(false);
    expect(opusPacketHasLbrr(Buffer.from([0x0b, 0x41]))).toBe(false); // code 3, no length
  });

  it('reads the LBRR flag after the VAD flag of a 20 ms SILK frame (code 0 and code 1)', () => {
    expect(opusPacketHasLbrr(Buffer.from([0x08, 0b0100_0000]))).toBe(true);
    expect(opusPacketHasLbrr(Buffer.from([0x08, 0b1000_0000]))).toBe(false);
    expect(opusPacketHasLbrr(Buffer.from([0x09, 0b1100_0000, 0x00]))).toBe(true);
  });
});
