import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout stays free for a command's own output, e.g. replay's JSON
 * lines). LOG_LEVEL sets the level (default info; "silent" in tests).
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } }, pino.destination(2));
}
