import type { LoadResult } from '../config/index.js';
import type { Daemon } from '../daemon.js';
import type { Logger } from '../logger.js';

/**
 * SIGTERM/SIGINT: stop taking calls, drain, un-REGISTER, exit 0 (a second signal exits at once).
 * SIGHUP: reload the configuration (invalid configs are rejected and the old one kept).
 * Unexpected errors are logged and counted; one failing call never takes the process down.
 */
export function installSignalHandlers(daemon: Daemon, logger: Logger, reload: () => LoadResult): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `received ${signal}: draining calls and shutting down`);
    daemon.stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    const r = reload();
    if (!r.config) {
      logger.error({ problems: r.problems }, 'SIGHUP: configuration invalid, keeping the running one');
      return;
    }
    daemon.reload(r.config).catch((err: unknown) => logger.error({ err }, 'SIGHUP: reload failed'));
  });
  process.on('uncaughtException', (err) => {
    logger.error({ err }, `uncaught exception (kept running): ${err.message}`);
    daemon.countError('internal');
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (kept running)');
    daemon.countError('internal');
  });
}
