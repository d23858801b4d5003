export { loadConfig, resolveConfig, DEFAULT_SYSTEM_PROMPT } from './load.js';
export type { LoadResult } from './load.js';
export { redactConfig } from './redact.js';
export { GLOBAL_ENV, ACCOUNT_ENV } from './env.js';
export type * from './schema.js';
