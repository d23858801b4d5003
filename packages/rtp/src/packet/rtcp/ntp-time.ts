/**
 * NTP timestamps for RTCP (RFC 3550 §4): 64-bit fixed point, seconds since 1900-01-01.
 */

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_SECONDS = 2208988800;

/** An NTP timestamp as two unsigned 32-bit words. */
export interface NtpTimestamp {
  readonly seconds: number;
  readonly fraction: number;
}

/** Convert wall-clock ms since the Unix epoch to an NTP timestamp. */
export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const totalSeconds = Math.floor(unixMs / 1000);
  const ms = unixMs - totalSeconds * 1000;
  return {
    seconds: (totalSeconds + NTP_UNIX_OFFSET_SECONDS) >>> 0,
    fraction: Math.min(0xffffffff, Math.round((ms / 1000) * 0x100000000)) >>> 0,
  };
}

/** Convert an NTP timestamp to ms since the Unix epoch (era 0, i.e. until 2036). */
export function ntpToUnixMs(ntp: NtpTimestamp): number {
  return (ntp.seconds - NTP_UNIX_OFFSET_SECONDS) * 1000 + (ntp.fraction / 0x100000000) * 1000;
}

/** The middle 32 bits of an NTP timestamp: the LSR field of report blocks (§6.4.1). */
export function ntpMiddle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/** Convert a delay in ms to DLSR units (1/65536 s), clamped to 32 bits. */
export function msToDlsr(ms: number): number {
  return Math.min(0xffffffff, Math.max(0, Math.round((ms * 65536) / 1000))) >>> 0;
}

/**
 * Round-trip time in ms from a report block (RFC 3550 §6.4.1): A - LSR - DLSR, where
 * `arrivalMiddle32` is the middle 32 bits of the NTP time the report arrived.
 * @returns undefined when the block has no LSR.
 */
export function roundTripMs(
  arrivalMiddle32: number,
  lastSr: number,
  delaySinceLastSr: number,
): number | undefined {
  if (lastSr === 0) return undefined;
  const rtt = (arrivalMiddle32 - lastSr - delaySinceLastSr) >>> 0;
  // Values past half the 32-bit range mean clock skew or a bogus report.
  if (rtt > 0x80000000) return 0;
  return (rtt * 1000) / 65536;
}
