import type { Logger } from './logger';

/**
 * The process shell of a worker app: starts it, and on SIGTERM/SIGINT closes it once and exits 0
 * (1 when closing fails); a start failure is logged as fatal and exits 1.
 */
export function runService(name: string, log: Logger, start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (app) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        app.close().then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err: err.message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (err: Error) => {
      log.fatal({ err: err.message }, `${name} failed to start`);
      process.exit(1);
    },
  );
}
