import { createHash } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { redisRetryStrategy } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { bullConnection } from '../core/redis-connections';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

export const TIMERS_QUEUE = 'xl-api-timers';

type Handler = (data: Record<string, unknown>) => Promise<void>;

/** A timer job carries when it is due on the shared clock under this key (not shown to handlers). */
const FIRE_AT = 'timerFireAt';
/**
 * A timer found due up to this much later than now waits the rest in process; one due later still is
 * put back as delayed (the shared clock is re-read every 30 s). Either way no handler runs before its
 * due time on the shared clock: a maintenance window's end timer run 200 ms early found the window
 * still active and ended nothing.
 */
const EARLY_TOLERANCE_MS = 250;
/**
 * Scheduling or cancelling a timer fails when Redis has not answered within this long. While Redis
 * is down ioredis holds a command until its reconnect attempts run out (~20 s), and callers (an
 * acknowledgement, the escalation sweep) would wait that long for a timer the sweep stands in for.
 */
export const TIMER_REDIS_TIMEOUT_MS = 1000;

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
    private readonly clock: Clock,
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
    this.worker = new Worker(TIMERS_QUEUE, (job: Job, token?: string) => this.run(job, token), {
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

  /**
   * Adds a delayed job; a job with the same id that still exists makes this a no-op. Fails after
   * TIMER_REDIS_TIMEOUT_MS without an answer from Redis (the job may still be added once it answers).
   */
  async schedule(name: string, jobId: string, data: Record<string, unknown>, delayMs: number): Promise<void> {
    const delay = Math.max(0, Math.round(delayMs));
    await this.answeredInTime(`scheduling timer '${name}' (job ${jobId})`, this.queue.add(name, { ...data, [FIRE_AT]: this.clock.now() + delay }, { jobId, delay }));
  }

  /** Best effort: a job that already runs cannot be removed, and its handler re-checks state. */
  async cancel(jobId: string): Promise<void> {
    try {
      await this.answeredInTime(`cancelling timer job ${jobId}`, this.queue.remove(jobId));
    } catch (err) {
      this.logger.debug({ err: (err as Error).message, jobId }, 'timer not cancelled');
    }
  }

  /** `command`'s outcome, or an error once Redis has left it unanswered for TIMER_REDIS_TIMEOUT_MS. */
  private async answeredInTime<T>(what: string, command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${TIMER_REDIS_TIMEOUT_MS} ms`)), TIMER_REDIS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([command, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(job: Job, token?: string): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`no handler for timer '${job.name}'`);
    const { [FIRE_AT]: fireAt, ...data } = job.data as Record<string, unknown>;
    // BullMQ delays by the adding host's clock and promotes by the promoting host's: with hosts
    // whose clocks differ, a deadline would fire early (an escalation before its SLA, a camera
    // offline alert for a short outage). The shared clock decides; an early job waits the rest.
    const early = typeof fireAt === 'number' ? fireAt - this.clock.now() : 0;
    if (early > EARLY_TOLERANCE_MS) {
      this.logger.warn({ job: job.name, jobId: job.id, earlyMs: Math.round(early) }, 'timer fired early by this host\'s clock; waiting until it is due');
      await job.moveToDelayed(Date.now() + early, token);
      throw new DelayedError();
    }
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    await handler(data);
  }
}
