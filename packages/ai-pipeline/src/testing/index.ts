/** Test doubles for ai-pipeline users: fake clock, in-memory providers, fake provider servers. */
export * from './fake-clock.js';
export * from './audio.js';
export * from './fake-providers.js';
export * from './pipeline-harness.js';
