/**
 * RTCP packet data model (RFC 3550 §6.4-§6.6). Pure data shared by the RTCP codec, the
 * statistics and the session. All 32-bit fields are unsigned numbers.
 */

/** RTCP packet type codes (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611). */
export const RtcpPacketType = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  RTPFB: 205,
  PSFB: 206,
  XR: 207,
} as const;

/** Reception report block (RFC 3550 §6.4.1), 24 bytes on the wire. */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, fixed point /256 (0..255). */
  readonly fractionLost: number;
  /** Cumulative packets lost, signed 24-bit (-8388608..8388607; negative with duplicates). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  readonly highestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  readonly jitter: number;
  /** LSR: middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  readonly lastSr: number;
  /** DLSR: delay since that SR, in 1/65536 s (0 if none). */
  readonly delaySinceLastSr: number;
}

/** Sender report (PT 200, RFC 3550 §6.4.1). */
export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp, seconds since 1900 (most significant word). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second in 1/2^32 s (least significant word). */
  readonly ntpFraction: number;
  /** RTP timestamp corresponding to the NTP timestamp (clock-rate ticks). */
  readonly rtpTimestamp: number;
  /** Sender's packet count since starting transmission. */
  readonly packetCount: number;
  /** Sender's payload octet count since starting transmission. */
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension bytes after the report blocks (usually absent). */
  readonly extension?: Buffer;
}

/** Receiver report (PT 201, RFC 3550 §6.4.2). */
export interface RtcpReceiverReport {
  readonly type: 'rr';
  /** SSRC of the packet sender. */
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension bytes after the report blocks (usually absent). */
  readonly extension?: Buffer;
}

/** SDES item types (RFC 3550 §6.5). */
export const SdesItemType = {
  END: 0,
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const;

/** One SDES item; `text` is UTF-8 (RFC 3550 §6.5), at most 255 bytes. */
export interface RtcpSdesItem {
  readonly type: number;
  readonly text: string;
}

/** One SDES chunk: a source and its items. */
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly items: readonly RtcpSdesItem[];
}

/** Source description (PT 202, RFC 3550 §6.5). */
export interface RtcpSourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly RtcpSdesChunk[];
}

/** Goodbye (PT 203, RFC 3550 §6.6). */
export interface RtcpGoodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  /** Reason for leaving (UTF-8, at most 255 bytes). */
  readonly reason?: string;
}

/** Any other packet type (APP, RTPFB/PSFB feedback, XR...), kept verbatim. */
export interface RtcpRawPacket {
  readonly type: 'raw';
  /** Packet type code (e.g. 205, 206, 207). */
  readonly packetType: number;
  /** The 5-bit count / format field (FMT for RFC 4585 feedback). */
  readonly count: number;
  /** Body after the 4-byte header, padding removed. */
  readonly body: Buffer;
}

/** Any RTCP packet, discriminated by `type`. */
export type RtcpPacket =
  RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpRawPacket;

/** Parse result of one compound packet; never thrown. */
export type RtcpCompoundParseResult =
  { readonly ok: true; readonly packets: RtcpPacket[] } | { readonly ok: false; readonly reason: string };

/** Parse result of a single packet body. */
export type RtcpBodyResult<T> =
  { readonly ok: true; readonly packet: T } | { readonly ok: false; readonly reason: string };
