/** @voice-assistant/sip-stack: an RFC 3261 SIP user agent over UDP, TCP and TLS. */
export type * from './message/types.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export * from './message/parse.js';
export * from './message/serialize.js';
export * from './message/headers.js';
export * from './message/params.js';
export * from './message/uri.js';
export * from './message/name-addr.js';
export * from './message/via.js';
export * from './message/cseq.js';
export * from './message/builders.js';
export * from './message/uri-equals.js';
export * from './message/stream-framer.js';
export * from './auth/auth-params.js';
export * from './auth/digest.js';
export * from './auth/digest-client.js';
