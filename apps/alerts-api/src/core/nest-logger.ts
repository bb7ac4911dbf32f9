import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@xl/observability';

/** Routes Nest's own messages (bootstrap, route mapping, unhandled errors) to the pino JSON log. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    if (message instanceof Error || (message && typeof message === 'object' && 'stack' in message)) {
      this.logger.error({ err: message, context: stackOrContext }, String((message as Error).message));
    } else {
      this.logger.error({ context: context ?? stackOrContext, stack: context ? stackOrContext : undefined }, String(message));
    }
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
