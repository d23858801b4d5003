/**
 * RTCP transmission interval (RFC 3550 §6.2, §6.3.1) for a two-party audio call. With one
 * sender per side and a tiny RTCP bandwidth share the computed interval always falls to
 * the minimum, so the deterministic part is Tmin = 5 s (halved for the first report,
 * §6.2 "initial"); it is then randomized to [0.5, 1.5] x Td to avoid synchronised reports.
 */

/** Default minimum RTCP interval (RFC 3550 §6.2). */
export const RTCP_MIN_INTERVAL_MS = 5000;

/**
 * Next RTCP interval in ms.
 * @param initial true before the first report (uses Tmin / 2).
 * @param random uniform [0, 1) source. Default `Math.random`.
 * @param minIntervalMs Td. Default 5000 ms.
 */
export function rtcpIntervalMs(
  initial: boolean,
  random: () => number = Math.random,
  minIntervalMs = RTCP_MIN_INTERVAL_MS,
): number {
  const td = initial ? minIntervalMs / 2 : minIntervalMs;
  return td * (0.5 + random());
}
