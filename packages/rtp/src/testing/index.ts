/** Test doubles for rtp users. */
export * from './fake-media-clock.js';
export * from './fake-socket.js';
