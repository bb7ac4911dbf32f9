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
}

/**
 * Producer side of the frames queue: metadata only (FrameJob), never pixels. One attempt per job:
 * a frame retried later is a stale frame.
 */
export class FramesQueue {
  readonly queue: Queue<FrameJob>;

  constructor(options: FramesQueueOptions) {
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
    const added = await this.queue.add('frame', job);
    return added.id ?? '';
  }

  /** Jobs waiting to be picked up (for metrics and tests). */
  waiting(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
