/**
 * RTP packet data model (RFC 3550 §5.1). Pure data, shared by the packet codec, SRTP,
 * the jitter buffer and the session.
 */

/** RFC 8285 header extension element. */
export interface RtpExtensionElement {
  /** 1..14 for one-byte, 1..255 for two-byte headers. */
  readonly id: number;
  readonly data: Buffer;
}

/** RTP header extension (RFC 3550 §5.3.1, RFC 8285). */
export interface RtpHeaderExtension {
  /** 0xBEDE (one-byte), 0x1000..0x100F (two-byte), or any other profile value (kept raw). */
  readonly profile: number;
  /** Raw extension payload (without the 4-byte profile/length word), padded to 32 bits. */
  readonly data: Buffer;
  /** Parsed elements for RFC 8285 profiles; empty for unknown profiles. */
  readonly elements: RtpExtensionElement[];
}

export interface RtpPacket {
  /** Always 2. */
  readonly version: number;
  readonly padding: boolean;
  readonly marker: boolean;
  /** 0..127 */
  readonly payloadType: number;
  /** 16-bit sequence number, 0..65535. */
  readonly sequenceNumber: number;
  /** 32-bit RTP timestamp in clock-rate ticks (unsigned). */
  readonly timestamp: number;
  /** 32-bit SSRC (unsigned). */
  readonly ssrc: number;
  /** Contributing sources (0..15 entries). */
  readonly csrc: readonly number[];
  readonly extension?: RtpHeaderExtension | undefined;
  /** Payload with padding removed. May be a view into the received datagram. */
  readonly payload: Buffer;
  /** Padding byte count removed from the end (0 when `padding` is false). */
  readonly paddingLength: number;
}

export type RtpParseResult =
  { readonly ok: true; readonly packet: RtpPacket } | { readonly ok: false; readonly reason: string };
