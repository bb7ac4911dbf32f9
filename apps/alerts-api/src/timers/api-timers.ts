import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, Queue, Worker } from 'bullmq';
import { redisRetryStrategy } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { bullConnection } from '../core/redis-connections';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

export const TIMERS_QUEUE = 'xl-api-timers';

type Handler = (data: Record<string, unknown>) => Promise<void>;

/** BullMQ job ids may not contain ':'; ids of ours are a readable kind plus a digest of the parts. */
export function timerJobId(kind: string, ...parts: (string | number)[]): string {
  return `${kind}-${createHash('sha1').update(parts.join('\n')).digest('hex').slice(0, 24)}`;
}

/**
 * Durable delayed work of the API (escalation deadlines, camera offline thresholds): BullMQ delayed
 * jobs, so that a deadline survives a restart and fires on whichever instance is alive. Handlers
 * re-check the database state, so a timer that fires late, twice or after cancellation is harmless.
 */
@Injectable()
export class ApiTimers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly handlers = new Map<string, Handler>();
  private readonly queue: Queue;
  private worker?: Worker;
  private readonly connections: Array<{ close(): void }> = [];

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const queueConnection = bullConnection(settings, { retryStrategy: redisRetryStrategy });
    this.connections.push(queueConnection);
    this.queue = new Queue(TIMERS_QUEUE, {
      connection: queueConnection.connection,
      prefix: settings.queuePrefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 }, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
    });
    this.queue.on('error', (err) => this.logger.warn({ err: err.message }, 'timers queue error'));
  }

  /** Handlers register in their constructors; the worker starts once the app is up. */
  register(name: string, handler: Handler): void {
    this.handlers.set(name, handler);
  }

  onApplicationBootstrap(): void {
    if (!this.settings.runWorkers) return;
    const workerConnection = bullConnection(this.settings, { maxRetriesPerRequest: null, retryStrategy: redisRetryStrategy });
    this.connections.push(workerConnection);
    this.worker = new Worker(TIMERS_QUEUE, (job: Job) => this.run(job), {
      connection: workerConnection.connection,
      prefix: this.settings.queuePrefix,
      concurrency: 4,
    });
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'timers worker error'));
    this.worker.on('failed', (job, err) => this.logger.error({ err: err.message, job: job?.name, jobId: job?.id }, 'timer job failed'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const c of this.connections.splice(0)) c.close();
  }

  /** Adds a delayed job; a job with the same id that still exists makes this a no-op. */
  async schedule(name: string, jobId: string, data: Record<string, unknown>, delayMs: number): Promise<void> {
    await this.queue.add(name, data, { jobId, delay: Math.max(0, Math.round(delayMs)) });
  }

  /** Best effort: a job that already runs cannot be removed, and its handler re-checks state. */
  async cancel(jobId: string): Promise<void> {
    try {
      await this.queue.remove(jobId);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message, jobId }, 'timer not cancelled');
    }
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`no handler for timer '${job.name}'`);
    await handler(job.data as Record<string, unknown>);
  }
}
