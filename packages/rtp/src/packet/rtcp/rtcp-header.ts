/**
 * The RTCP common header (RFC 3550 §6.4.1):
 *
 *     0                   1                   2                   3
 *    |V=2|P|    RC   |   PT          |             length            |
 *
 * `length` is the packet size in 32-bit words minus one, including header and padding.
 */

/** Size of the common header in bytes. */
export const RTCP_HEADER_SIZE = 4;

/** Largest value of the 5-bit count field (report blocks, chunks, SSRCs). */
export const RTCP_MAX_COUNT = 31;

/**
 * Write the common header at `offset` for a packet of `totalBytes` (multiple of 4).
 * @throws RangeError when `count` > 31 or the size is not a multiple of 4 (programmer error).
 */
export function writeRtcpHeader(
  buf: Buffer,
  offset: number,
  count: number,
  packetType: number,
  totalBytes: number,
): void {
  if (count < 0 || count > RTCP_MAX_COUNT) throw new RangeError(`RTCP count ${count} > 31`);
  if (totalBytes % 4 !== 0 || totalBytes < 4 || totalBytes > 0x40000) {
    throw new RangeError(`RTCP packet size ${totalBytes} invalid`);
  }
  buf[offset] = 0x80 | count;
  buf[offset + 1] = packetType;
  buf.writeUInt16BE(totalBytes / 4 - 1, offset + 2);
}
