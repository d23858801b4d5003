/** @voice-assistant/sip-stack: an RFC 3261 SIP user agent over UDP, TCP and TLS. */
export type * from './message/types.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
