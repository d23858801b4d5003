/**
 * Minimal RFC 4733 §2.3 telephone-event payload codec used by the session until the
 * shared `dtmf/` module is wired in: 4 bytes = event (8) | E (1) R (1) volume (6) |
 * duration (16, timestamp units).
 */

const DIGITS = '0123456789*#ABCD';

/** RFC 4733 §3.2: DTMF event code (0..15) for a digit, or -1. */
export function dtmfEventCode(digit: string): number {
  return digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
}

/** RFC 4733 §3.2: digit for an event code 0..15, or `undefined`. */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DIGITS[event] : undefined;
}

/** A decoded telephone-event payload. */
export interface TelephoneEvent {
  readonly event: number;
  readonly end: boolean;
  /** Power level in -dBm0 (0..63). */
  readonly volume: number;
  /** Duration in timestamp units. */
  readonly duration: number;
}

/** Parse a 4-byte telephone-event payload (extra bytes ignored); `undefined` if short. */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

/** Write a telephone-event payload at `offset` (4 bytes). */
export function writeTelephoneEvent(target: Buffer, offset: number, e: TelephoneEvent): void {
  target[offset] = e.event & 0xff;
  target[offset + 1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  target.writeUInt16BE(Math.min(0xffff, e.duration), offset + 2);
}
