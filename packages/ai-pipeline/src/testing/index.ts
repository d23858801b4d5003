/** Test doubles for ai-pipeline users: fake clock, in-memory providers, fake provider servers. */
export * from './fake-clock.js';
export * from './audio.js';
export * from './fake-providers.js';
export * from './pipeline-harness.js';
export * from './http-util.js';
export * from './fake-openai.js';
export * from './fake-deepgram.js';
export * from './fake-elevenlabs.js';
