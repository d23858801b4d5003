/**
 * Opus packet inspection without decoding (RFC 6716 §3): does a packet carry in-band FEC
 * (SILK LBRR data) for the packet before it? Pure, never throws on hostile input.
 */

/** Samples per frame at 48 kHz for each TOC config (RFC 6716 §3.1, Table 2). */
function samplesPerFrame48k(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!; // SILK-only: 10/20/40/60 ms
  if (config < 16) return (config & 1) === 0 ? 480 : 960; // Hybrid: 10/20 ms
  return 120 << (config & 3); // CELT-only: 2.5/5/10/20 ms
}

/** Byte offset of the first frame's data, or -1 if the packet is malformed (RFC 6716 §3.2). */
function firstFrameOffset(packet: Buffer): number {
  const code = packet[0]! & 3;
  if (code === 0 || code === 1) return 1; // §3.2.2, §3.2.3
  if (code === 2) {
    // §3.2.4: first frame length in 1 or 2 bytes.
    if (packet.length < 2) return -1;
    return packet[1]! < 252 ? 2 : 3;
  }
  // §3.2.5, code 3: frame count byte, optional padding length, optional VBR lengths.
  if (packet.length < 2) return -1;
  const countByte = packet[1]!;
  const vbr = (countByte & 0x80) !== 0;
  const padded = (countByte & 0x40) !== 0;
  const frames = countByte & 0x3f;
  if (frames === 0) return -1;
  let offset = 2;
  if (padded) {
    for (;;) {
      if (offset >= packet.length) return -1;
      const b = packet[offset++]!;
      if (b !== 255) break;
    }
  }
  if (vbr) {
    for (let i = 0; i < frames - 1; i++) {
      if (offset >= packet.length) return -1;
      offset += packet[offset]! < 252 ? 1 : 2;
    }
  }
  return offset;
}

/**
 * True when `packet` carries LBRR (in-band FEC) data, i.e. `opus_decode(..., decode_fec=1)`
 * on it can rebuild the previous packet instead of falling back to PLC.
 *
 * RFC 6716 §4.2.3-§4.2.4: a SILK or Hybrid frame starts with one VAD flag per 20 ms SILK
 * frame and then the LBRR flag, each coded with probability 1/2, so they are the top bits
 * of the first frame's first byte. This mirrors libopus 1.5 `opus_packet_has_lbrr`
 * (mono: bit `7 - nbSilkFrames`). CELT-only packets (TOC config 16..31) never carry LBRR.
 */
export function opusPacketHasLbrr(packet: Buffer): boolean {
  if (packet.length < 2) return false;
  const toc = packet[0]!;
  if (toc >> 3 >= 16) return false; // CELT-only
  const perFrame = samplesPerFrame48k(toc);
  const silkFrames = perFrame > 960 ? perFrame / 960 : 1;
  const offset = firstFrameOffset(packet);
  if (offset < 0 || offset >= packet.length) return false;
  const first = packet[offset]!;
  let lbrr = (first >> (7 - silkFrames)) & 1;
  // Stereo (TOC bit 2): the side channel's VAD and LBRR flags follow the mid channel's.
  if ((toc & 4) !== 0) lbrr |= (first >> (6 - 2 * silkFrames)) & 1;
  return lbrr === 1;
}
