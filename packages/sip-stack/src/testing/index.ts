/** Test doubles for sip-stack users: fake clock, fake transports, raw message fixtures. */
export { FakeClock } from './fake-clock.js';
export { FakeTransport, linkFakeTransports } from './fake-transport.js';
export type { SentMessage } from './fake-transport.js';
export { rawRequest, rawResponseTo } from './sip-fixtures.js';
export type { RawRequestOptions } from './sip-fixtures.js';
