import { Queue, type ConnectionOptions, type KeepJobs } from 'bullmq';
import { FRAMES_QUEUE, type FrameJob } from '@xl/contracts';

export interface FramesQueueOptions {
  /** An ioredis connection (shared with the caller, not closed by `close()`) or connection options. */
  connection: ConnectionOptions;
  /**
   * BullMQ key prefix; producers and workers must agree on it.
   * @defaultValue 'xl'
   */
  prefix?: string;
  /**
   * Queue name.
   * @defaultValue FRAMES_QUEUE ('frames')
   */
  name?: string;
  /**
   * Finished jobs kept for inspection. Frames are worthless minutes later; keep few.
   * @defaultValue { count: 100, age: 60 }
   */
  removeOnComplete?: KeepJobs;
  /**
   * Failed jobs kept for inspection.
   * @defaultValue { count: 1000, age: 3600 }
   */
  removeOnFail?: KeepJobs;
  /**
   * Approximate length of BullMQ's events stream for this queue (it logs every add/complete).
   * @defaultValue 1000
   */
  eventsMaxLen?: number;
  /**
   * The clock of `FrameJob.capturedAt` (ingest passes its RedisClock's `now`): a job's BullMQ
   * timestamp is its frame's capture time, so `removeWaitingOlderThan` judges every producer's
   * jobs by one clock, not by the local clocks of the hosts that added them.
   * @defaultValue Date.now
   */
  now?: () => number;
}

/** Waiting jobs examined per script call by `removeWaitingOlderThan` (oldest first). */
export const REMOVE_BATCH = 1000;

/**
 * Producer side of the frames queue: metadata only (FrameJob), never pixels. One attempt per job:
 * a frame retried later is a stale frame.
 */
export class FramesQueue {
  readonly queue: Queue<FrameJob>;
  private readonly now: () => number;

  constructor(options: FramesQueueOptions) {
    this.now = options.now ?? Date.now;
    this.queue = new Queue<FrameJob>(options.name ?? FRAMES_QUEUE, {
      connection: options.connection,
      prefix: options.prefix ?? 'xl',
      streams: { events: { maxLen: options.eventsMaxLen ?? 1000 } },
      defaultJobOptions: {
        attempts: 1,
        removeOnComplete: options.removeOnComplete ?? { count: 100, age: 60 },
        removeOnFail: options.removeOnFail ?? { count: 1000, age: 3600 },
      },
    });
  }

  /** Adds a frame job; returns its job id. */
  async add(job: FrameJob): Promise<string> {
    const added = await this.queue.add('frame', job, { timestamp: job.capturedAt });
    return added.id ?? '';
  }

  /**
   * Removes waiting jobs whose frame was captured more than `maxAgeMs` ago; resolves to how many.
   * With no analyzer taking jobs, each camera's in-flight gate expires by its TTL and ingest adds
   * another job: without this the wait list grows by one job per camera per gate TTL for as long as
   * the outage lasts (measured: 8 cameras, 88 jobs a minute), Redis fills, and analyzers that come back
   * work through the whole backlog of worthless frames before a fresh one.
   */
  async removeWaitingOlderThan(maxAgeMs: number): Promise<number> {
    let removed = 0;
    for (;;) {
      // BullMQ compares against its host's Date.now() - grace; the cut-off wanted is on `now`'s clock.
      const grace = maxAgeMs + (Date.now() - this.now());
      const ids = await this.queue.clean(grace, REMOVE_BATCH, 'wait');
      removed += ids.length;
      if (ids.length < REMOVE_BATCH) return removed;
    }
  }

  /** Jobs waiting to be picked up (for metrics and tests). */
  waiting(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
