import { Queue } from 'bullmq';
import type { RedisClient } from '@xl/queue';
import { ALERTS_QUEUE, type AlertEvent, queuePriority } from '@xl/contracts';
import type { AlertPort } from '../frame-job.processor';

/**
 * The durable `alerts` queue. The job id is the event's identity (alert, kind, frame), so an event
 * re-emitted after a worker restart is not queued twice; failed deliveries to the API are retried
 * with back-off and kept, never dropped silently. Critical events go first (queuePriority): in
 * arrival order, a drowning queued behind a festival's 500 zone_enter events (or a database
 * failover's backlog) was stored 6–9 s later, at ~60–90 events/s per API instance; first, in ~0.2 s.
 * Events of one severity keep their order; the intake merges an alert's events that arrive out of order.
 */
export class AlertQueueRepository implements AlertPort {
  private readonly queue: Queue<AlertEvent>;

  constructor(connection: RedisClient, prefix: string) {
    this.queue = new Queue<AlertEvent>(ALERTS_QUEUE, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        // A completed job's id keeps a re-emitted event (worker restarted before saving its state,
        // seconds later) off the queue; the API deduplicates by event id anyway, so ten minutes do.
        removeOnComplete: { count: 1000, age: 600 },
        // A failed event (invalid, or not stored after its tries: an analyzer newer than the API in a
        // rolling upgrade fails every one) is kept to be looked at, but not for good: kept, each stayed
        // in the main Redis, whose being full stops every alert.
        removeOnFail: { count: 10_000, age: 30 * 86_400 },
      },
    });
  }

  async emit(event: AlertEvent): Promise<void> {
    const priority = queuePriority(event.severity);
    await this.queue.add(event.kind, event, { jobId: `${event.alertId}-${event.kind}-${event.capturedAt}`, ...(priority ? { priority } : {}) });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
