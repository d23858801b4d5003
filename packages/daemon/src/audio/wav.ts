/**
 * Minimal RIFF/WAVE reader for 16-bit PCM (the committed prompts). Pure: takes bytes.
 */

export interface PcmAudio {
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved signed 16-bit samples. */
  readonly samples: Int16Array;
}

export type WavParseResult = { ok: true; audio: PcmAudio } | { ok: false; reason: string };

/** Parses a PCM WAV file (format 1, 16 bits). Never throws. */
export function parseWav(buf: Buffer): WavParseResult {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE')
    return { ok: false, reason: 'not a RIFF/WAVE file' };
  let off = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= buf.length) {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) return { ok: false, reason: 'data chunk before fmt chunk' };
      if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16)
        return {
          ok: false,
          reason: `unsupported WAV format ${fmt.format}/${fmt.bits} bits (need 16-bit PCM)`,
        };
      // A streaming writer may leave size 0 or 0xFFFFFFFF: read to the end of the buffer.
      const end = size === 0 || size === 0xffffffff ? buf.length : Math.min(buf.length, body + size);
      const count = Math.floor((end - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(body + i * 2);
      return { ok: true, audio: { sampleRate: fmt.rate, channels: fmt.channels, samples } };
    }
    off = body + size + (size & 1);
  }
  return { ok: false, reason: 'no data chunk' };
}
