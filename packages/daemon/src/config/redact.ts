import type { DaemonConfig } from './schema.js';

const SECRET_KEYS = new Set(['password', 'apiKey', 'authToken', 'turnPassword']);

/** A deep copy of the configuration with every secret replaced by `***` (for logs and the API). */
export function redactConfig(config: DaemonConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) =>
      SECRET_KEYS.has(key) && value !== undefined ? '***' : value,
    ),
  );
}
