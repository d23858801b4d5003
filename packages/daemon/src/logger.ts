import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/index.js';

/** The daemon's structured logger: pino JSON on stdout, secrets redacted by path. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'voice-assistant' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'password',
          '*.password',
          'apiKey',
          '*.apiKey',
          'authToken',
          '*.authToken',
          'headers.authorization',
        ],
        censor: '***',
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}

export type { Logger };
