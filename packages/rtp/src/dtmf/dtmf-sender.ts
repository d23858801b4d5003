/**
 * RFC 4733 §2.5.1 sender: the packet sequence for one key press.
 *
 * All packets carry the event's start timestamp (§2.3.1). The first has the marker bit
 * (§2.5.1.2); updates follow every packetisation interval with the cumulative duration;
 * the final report has the E bit and is sent three times (§2.5.1.4).
 */
import { MAX_EVENT_DURATION, digitToEvent, serializeTelephoneEvent } from './telephone-event.js';

/** One RTP packet to send for the event. */
export interface DtmfPacket {
  /** 4-byte telephone-event payload. */
  readonly payload: Buffer;
  /** RTP marker bit (first packet only). */
  readonly marker: boolean;
  /** Offset from the event start timestamp in ticks: always 0 (same timestamp, §2.3.1). */
  readonly timestampOffset: number;
  /** Duration field of this report, in ticks. */
  readonly durationTicks: number;
  /** When to send it, in ms after the first packet (one packet per ptime). */
  readonly sendAtMs: number;
  /** E bit set. */
  readonly end: boolean;
}

/** Sender options. */
export interface DtmfSendOptions {
  /** Tone duration in ms. Default 100 ms (clamped to 40..(65535 ticks)). */
  readonly durationMs?: number;
  /** Interval between reports in ms (the audio ptime). Default 20 ms. */
  readonly ptimeMs?: number;
  /** telephone-event clock rate in Hz. Default 8000. */
  readonly clockRate?: number;
  /** Power level in -dBm0 (0..63). Default 10. */
  readonly volume?: number;
  /** Number of end packets (§2.5.1.4). Default 3. */
  readonly endPackets?: number;
}

/**
 * Build the RFC 4733 packets for `digit` ('0'-'9', '*', '#', 'A'-'D', 'flash').
 * Example (100 ms, 20 ms ptime, 8 kHz): durations 160 (M), 320, 480, 640, 800 E x3.
 * @throws RangeError for an unknown digit (programmer error).
 */
export function buildDtmfPackets(digit: string, options: DtmfSendOptions = {}): DtmfPacket[] {
  const event = digitToEvent(digit);
  if (event === undefined) throw new RangeError(`not a DTMF digit: ${digit}`);
  const clockRate = options.clockRate ?? 8000;
  const ptimeMs = options.ptimeMs ?? 20;
  const volume = options.volume ?? 10;
  const endPackets = options.endPackets ?? 3;
  const ticksPerPacket = Math.round((clockRate * ptimeMs) / 1000);
  const wantedTicks = Math.round((clockRate * Math.max(40, options.durationMs ?? 100)) / 1000);
  const totalTicks = Math.min(MAX_EVENT_DURATION, wantedTicks);
  const packets: DtmfPacket[] = [];
  let ticks = Math.min(ticksPerPacket, totalTicks);
  let i = 0;
  // Start and updates: the duration grows by one packet interval each time.
  while (ticks < totalTicks) {
    packets.push(packet(event, volume, ticks, false, i === 0, i * ptimeMs));
    i++;
    ticks = Math.min(totalTicks, ticks + ticksPerPacket);
  }
  for (let e = 0; e < endPackets; e++) {
    packets.push(packet(event, volume, totalTicks, true, i === 0, i * ptimeMs));
    i++;
  }
  return packets;
}

function packet(
  event: number,
  volume: number,
  duration: number,
  end: boolean,
  marker: boolean,
  at: number,
): DtmfPacket {
  return {
    payload: serializeTelephoneEvent({ event, end, volume, duration }),
    marker,
    timestampOffset: 0,
    durationTicks: duration,
    sendAtMs: at,
    end,
  };
}
