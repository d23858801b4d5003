/**
 * Payload formats on an SDP m-line: static payload types (RFC 3551 §6 Table 4),
 * `a=rtpmap` (RFC 4566 §6) and `a=fmtp` parameters.
 */
import type { MediaDescription } from 'sdp-transform';

/** A payload format as described by an m-line. */
export interface PayloadFormat {
  readonly payloadType: number;
  /** Encoding name as written (case preserved). */
  readonly name: string;
  readonly clockRate: number;
  readonly channels: number;
  /** Raw fmtp config string, if any. */
  readonly fmtpConfig?: string;
}

/** RFC 3551 §6 static audio payload types we understand without rtpmap. */
const STATIC_PT: Readonly<Record<number, { name: string; clockRate: number }>> = {
  0: { name: 'PCMU', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
  // RFC 3551 §4.5.2: G722 is 16 kHz audio with an 8000 Hz RTP clock.
  9: { name: 'G722', clockRate: 8000 },
};

/** Canonical SDP spelling of the codecs we negotiate. */
export const CANONICAL_NAMES: Readonly<Record<string, string>> = {
  pcmu: 'PCMU',
  pcma: 'PCMA',
  opus: 'opus',
  g722: 'G722',
  'telephone-event': 'telephone-event',
};

/** The static or well-known payload type and clock for a codec we offer. */
export const OFFER_FORMATS: Readonly<
  Record<string, { payloadType: number; clockRate: number; channels: number }>
> = {
  PCMU: { payloadType: 0, clockRate: 8000, channels: 1 },
  PCMA: { payloadType: 8, clockRate: 8000, channels: 1 },
  G722: { payloadType: 9, clockRate: 8000, channels: 1 },
  // RFC 7587 §7: opus is always opus/48000/2 in SDP. 111 is the common dynamic PT.
  opus: { payloadType: 111, clockRate: 48000, channels: 2 },
};

/**
 * List the payload formats of an m-line in the m-line's order. Dynamic payload types
 * without rtpmap are dropped (unusable, RFC 4566 §6 rtpmap is mandatory for them).
 */
export function listPayloadFormats(media: MediaDescription): PayloadFormat[] {
  const payloads = String(media.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((p) => /^\d{1,3}$/.test(p))
    .map(Number)
    .filter((p) => p <= 127);
  const out: PayloadFormat[] = [];
  for (const pt of payloads) {
    const map = media.rtp?.find((r) => r.payload === pt);
    const rawFmtp = media.fmtp?.find((f) => f.payload === pt)?.config;
    const fmtp = rawFmtp === undefined ? undefined : String(rawFmtp);
    let format: PayloadFormat | undefined;
    if (map !== undefined) {
      if (typeof map.codec !== 'string') continue;
      const clockRate = map.rate === undefined ? STATIC_PT[pt]?.clockRate : Number(map.rate);
      if (clockRate === undefined || !Number.isFinite(clockRate)) continue;
      const channels = Number(map.encoding ?? 1);
      format = {
        payloadType: pt,
        name: map.codec,
        clockRate,
        channels: Number.isFinite(channels) ? channels : 1,
      };
    } else if (STATIC_PT[pt] !== undefined) {
      format = { payloadType: pt, ...STATIC_PT[pt], channels: 1 };
    }
    if (format === undefined) continue;
    out.push(fmtp === undefined ? format : { ...format, fmtpConfig: fmtp });
  }
  return out;
}

/**
 * Parse an fmtp config (`minptime=10;useinbandfec=1` or `0-16`) into a record. Numeric
 * values become numbers; a bare token without `=` (RFC 4733 event list) is stored under
 * `events`.
 */
export function parseFmtp(config: string | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (config === undefined) return out;
  for (const part of config.split(';')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) {
      out['events'] = p;
      continue;
    }
    const key = p.slice(0, eq).trim();
    const value = p.slice(eq + 1).trim();
    if (key === '' || key === '__proto__') continue;
    out[key] = /^-?\d+$/.test(value) && value.length < 16 ? Number(value) : value;
  }
  return out;
}

/** Is `format` the codec named `name` (case-insensitive) with the clock RFCs require? */
export function formatMatches(format: PayloadFormat, name: string): boolean {
  const n = name.toLowerCase();
  if (format.name.toLowerCase() !== n) return false;
  if (n === 'pcmu' || n === 'pcma' || n === 'g722') return format.clockRate === 8000;
  // RFC 7587 §7: opus MUST be opus/48000/2.
  if (n === 'opus') return format.clockRate === 48000 && format.channels === 2;
  return true;
}

/**
 * Pick the telephone-event format (RFC 4733 §7.1.1): prefer the one whose clock matches
 * the audio codec's RTP clock, else the first one offered.
 */
export function pickTelephoneEvent(
  formats: readonly PayloadFormat[],
  audioClockRate: number,
): PayloadFormat | undefined {
  const events = formats.filter((f) => f.name.toLowerCase() === 'telephone-event');
  return events.find((f) => f.clockRate === audioClockRate) ?? events[0];
}
