/** Test doubles for rtp users. */
/** Manually advanced media clock. */
export * from './fake-media-clock.js';
/** In-memory datagram network and sockets. */
export * from './fake-socket.js';
/** A scripted TURN server (RFC 8656) that can also relay. */
export * from './fake-turn-server.js';
