/** @voice-assistant/rtp: RTP/RTCP, SRTP, jitter buffer, codecs, DTMF and SDP offer/answer. */
export type * from './packet/types.js';
export type * from './codec/types.js';
export * from './packet/rtp-packet.js';
export * from './codec/g711.js';
export * from './codec/g711-codec.js';
export * from './codec/packet-loss-concealment.js';
export * from './codec/resample.js';
export * from './codec/opus.js';
export * from './codec/codec-registry.js';
export * from './jitter/jitter-buffer.js';
export * from './jitter/delay-estimator.js';
export * from './jitter/stream-tracker.js';
export type * from './sdp/types.js';
export { answerOffer } from './sdp/sdp-answer.js';
export { applyAnswer, createOffer } from './sdp/sdp-offer.js';
export { SUPPORTED_SRTP_SUITES } from './sdp/sdes-crypto.js';
