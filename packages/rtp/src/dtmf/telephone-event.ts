/**
 * RFC 4733 §2.3 telephone-event payload ("named telephone events"):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |     event     |E|R| volume    |          duration             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */

/** One telephone-event report. */
export interface TelephoneEvent {
  /** Event code 0..255 (RFC 4733 §3.2: 0-9, 10 `*`, 11 `#`, 12-15 A-D, 16 flash). */
  readonly event: number;
  /** E bit: this is the final report for the event (RFC 4733 §2.3.3). */
  readonly end: boolean;
  /** Power level in -dBm0, 0..63 (RFC 4733 §2.3.4); 0 for non-tone events. */
  readonly volume: number;
  /** Duration so far in RTP clock ticks, 0..65535 (RFC 4733 §2.3.5). */
  readonly duration: number;
}

/** Parse result: never throws. */
export type TelephoneEventParseResult =
  { readonly ok: true; readonly event: TelephoneEvent } | { readonly ok: false; readonly reason: string };

/** Size of one event report in bytes. */
export const TELEPHONE_EVENT_SIZE = 4;

/** Largest duration a single report can carry, in ticks (RFC 4733 §2.5.1.3). */
export const MAX_EVENT_DURATION = 0xffff;

/**
 * Parse the first event report of a telephone-event payload. Trailing bytes (further
 * reports are only legal via RFC 2198 redundancy) are ignored; the R bit is ignored on
 * receipt (RFC 4733 §2.3.2).
 */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEventParseResult {
  if (payload.length < TELEPHONE_EVENT_SIZE)
    return { ok: false, reason: 'telephone-event payload < 4 bytes' };
  const flags = payload[1]!;
  return {
    ok: true,
    event: {
      event: payload[0]!,
      end: (flags & 0x80) !== 0,
      volume: flags & 0x3f,
      duration: (payload[2]! << 8) | payload[3]!,
    },
  };
}

/**
 * Serialize one event report (R bit 0, RFC 4733 §2.3.2).
 * @param out - optional 4-byte destination to avoid allocation.
 * @throws RangeError on out-of-range fields (programmer error).
 */
export function serializeTelephoneEvent(ev: TelephoneEvent, out?: Buffer): Buffer {
  if (!Number.isInteger(ev.event) || ev.event < 0 || ev.event > 255)
    throw new RangeError('event out of range');
  if (!Number.isInteger(ev.volume) || ev.volume < 0 || ev.volume > 63)
    throw new RangeError('volume out of range');
  if (!Number.isInteger(ev.duration) || ev.duration < 0 || ev.duration > MAX_EVENT_DURATION) {
    throw new RangeError('duration out of range');
  }
  const buf = out ?? Buffer.allocUnsafe(TELEPHONE_EVENT_SIZE);
  buf[0] = ev.event;
  buf[1] = (ev.end ? 0x80 : 0) | ev.volume;
  buf[2] = ev.duration >> 8;
  buf[3] = ev.duration & 0xff;
  return buf;
}

/** A DTMF key or hook flash. */
export type DtmfDigit =
  '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D' | 'flash';

const DIGITS: readonly DtmfDigit[] = [
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '*',
  '#',
  'A',
  'B',
  'C',
  'D',
  'flash',
];

/** Event code 16 is hook flash (RFC 4733 §3.2 Table 7). */
export const EVENT_FLASH = 16;

/** Map an event code to a digit; undefined for codes > 16 (other named events). */
export function eventToDigit(event: number): DtmfDigit | undefined {
  return DIGITS[event];
}

/** Map a digit (case-insensitive for A-D) to its event code; undefined if not a DTMF key. */
export function digitToEvent(digit: string): number | undefined {
  const i = DIGITS.indexOf((digit.length === 1 ? digit.toUpperCase() : digit) as DtmfDigit);
  return i < 0 ? undefined : i;
}
