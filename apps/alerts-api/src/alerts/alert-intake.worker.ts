import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { ALERTS_QUEUE } from '@xl/contracts';
import { redisRetryStrategy } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { formatPath } from '../common/zod-pipe';
import { ApiMetrics } from '../core/api-metrics';
import { bullConnection } from '../core/redis-connections';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { alertEventSchema } from './alert-event.schema';
import { AlertIntakeService, type IntakeOutcome } from './alert-intake.service';

const INTAKE_LOCK_MS = 4000;
const INTAKE_STALLED_CHECK_MS = 2000;
/**
 * Stalls an event may go through and still be run. BullMQ's default (1) fails an event for good,
 * unstored and without running it, at its second stall — its holder died twice, or its event loop
 * was blocked past the 4 s lock twice (better-sqlite3 blocks it) — and its stall count is never
 * reset, not even across the retries below. A drowning must not be dropped for that: re-runs are
 * deduplicated by the intake, and an event that kept killing its worker would show as restarts.
 */
const INTAKE_MAX_STALLS = Number.MAX_SAFE_INTEGER;
/** An event the intake could not store is tried again after 1 s, doubling, at most this far apart. */
export const INTAKE_RETRY_MAX_MS = 30_000;
/**
 * …for this long after it was queued; then it fails for good, with its reason, in the failed set.
 * Longer than any outage of the database worth waiting out; an event that fails the same way for a
 * day is a bug to look at, not a reason to page "no alert is stored" for ever.
 */
export const INTAKE_RETRY_FOR_MS = 24 * 3600_000;

/** Delay before the `attempt`-th try of an event (1-based) that failed to be stored. */
export function intakeRetryDelayMs(attempt: number): number {
  return Math.min(INTAKE_RETRY_MAX_MS, 1000 * 2 ** Math.min(Math.max(attempt, 1) - 1, 15));
}

/**
 * Consumes the durable ALERTS_QUEUE. An event the intake could not store (the database down, in
 * failover, its disk full) waits and is tried again for as long as that lasts, up to a day — the
 * producer's `attempts` (10, ~8.5 min of back-off) would have dropped a drowning during a longer
 * outage. A malformed event fails for good, with the reason.
 */
@Injectable()
export class AlertIntakeWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private worker?: Worker;
  private connection?: ReturnType<typeof bullConnection>;

  constructor(
    private readonly intake: AlertIntakeService,
    private readonly metrics: ApiMetrics,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.runWorkers) return;
    this.connection = bullConnection(this.settings, { maxRetriesPerRequest: null, retryStrategy: redisRetryStrategy });
    this.worker = new Worker(ALERTS_QUEUE, (job: Job, token?: string) => this.process(job, token), {
      connection: this.connection.connection,
      prefix: this.settings.queuePrefix,
      concurrency: this.settings.intakeConcurrency,
      // An event takes milliseconds; when an instance dies holding one, another takes it over once
      // its lock lapses and a stalled check runs. BullMQ's 30 s + 30 s kept a drowning alert away
      // for up to a minute (test/faults/api-kill.int.spec.ts); now at most ~6 s. A lock that lapses
      // under a long GC pause only makes the event run twice, which intake deduplicates.
      lockDuration: INTAKE_LOCK_MS,
      stalledInterval: INTAKE_STALLED_CHECK_MS,
      maxStalledCount: INTAKE_MAX_STALLS,
    });
    this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'alert intake worker error'));
    this.worker.on('failed', (job, err) => this.logger.error({ err: err.message, jobId: job?.id }, 'alert event failed'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker?.close();
    this.connection?.close();
  }

  /** True once the worker is connected and consuming (readiness). */
  isRunning(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  async process(job: Job, token?: string): Promise<IntakeOutcome> {
    const parsed = alertEventSchema.safeParse(job.data);
    if (!parsed.success) {
      this.metrics.intake.inc({ outcome: 'invalid' });
      const why = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
      throw new UnrecoverableError(`invalid alert event: ${why}`);
    }
    try {
      return await this.intake.consume(parsed.data);
    } catch (err) {
      if (err instanceof UnrecoverableError || !token) throw err;
      if (Date.now() - job.timestamp > INTAKE_RETRY_FOR_MS) {
        this.metrics.intake.inc({ outcome: 'failed' });
        throw new UnrecoverableError(`alert event not stored after ${INTAKE_RETRY_FOR_MS / 3600_000} h of tries: ${(err as Error).message}`);
      }
      // Moved back to delayed, not failed: the producer's attempt count is not used up.
      const delayMs = intakeRetryDelayMs(job.attemptsStarted);
      this.metrics.intake.inc({ outcome: 'retried' });
      this.logger.error(
        { err: (err as Error).message, jobId: job.id, alertId: parsed.data.alertId, cameraId: parsed.data.cameraId, attempt: job.attemptsStarted, retryInMs: delayMs },
        'storing the alert event failed; trying again until it is stored',
      );
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
  }
}
