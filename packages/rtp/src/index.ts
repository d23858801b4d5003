/** @voice-assistant/rtp: RTP/RTCP, SRTP, jitter buffer, codecs, DTMF and SDP offer/answer. */
export type * from './packet/types.js';
export type * from './codec/types.js';
export * from './packet/rtp-packet.js';
