import { Queue } from 'bullmq';
import type { RedisClient } from '@xl/queue';
import { ALERTS_QUEUE, type AlertEvent } from '@xl/contracts';
import type { AlertPort } from '../frame-job.processor';

/**
 * The durable `alerts` queue. The job id is the event's identity (alert, kind, frame), so an event
 * re-emitted after a worker restart is not queued twice; failed deliveries to the API are retried
 * with back-off and kept, never dropped silently.
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
    await this.queue.add(event.kind, event, { jobId: `${event.alertId}-${event.kind}-${event.capturedAt}` });
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
