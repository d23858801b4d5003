/** Little-endian PCM byte helpers and WAV wrapping. */

/**
 * Converts little-endian 16-bit PCM bytes to samples. An odd trailing byte is returned
 * as `rest` so streamed chunks can be split anywhere.
 */
export function bytesToPcm16(bytes: Uint8Array): { pcm: Int16Array; rest: Uint8Array } {
  const even = bytes.length - (bytes.length % 2);
  const pcm = new Int16Array(even / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, even);
  for (let i = 0; i < pcm.length; i++) pcm[i] = view.getInt16(i * 2, true);
  return { pcm, rest: bytes.slice(even) };
}

/** Converts samples to little-endian 16-bit PCM bytes. */
export function pcm16ToBytes(pcm: Int16Array): Buffer {
  const buf = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) buf.writeInt16LE(pcm[i] ?? 0, i * 2);
  return buf;
}

/** Wraps mono 16-bit PCM in a canonical 44-byte-header RIFF/WAVE file. */
export function wavFromPcm16(pcm: Int16Array, sampleRate: number): Buffer {
  const data = pcm16ToBytes(pcm);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Joins PCM chunks. */
export function concatPcm(chunks: readonly Int16Array[]): Int16Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Int16Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
