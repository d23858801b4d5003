/** Test doubles for rtp users. */
/** Manually advanced media clock. */
export * from './fake-media-clock.js';
/** In-memory datagram network and sockets. */
export * from './fake-socket.js';
