import type { FrameJob } from '@xl/contracts';
import type { FrameStore, FramesQueue, HotMarks, InflightGate } from '@xl/queue';
import type { FramePublisher, PublishResult } from '../ports';

export interface FramePublisherOptions {
  /** Lifetime of the frame bytes in Redis. */
  frameTtlMs: number;
  /** Lifetime of the in-flight gate (frees a camera whose frame was lost). */
  inflightTtlMs: number;
}

/** Gate, bytes, job: the Redis side of publishing one frame. */
export class RedisFramePublisher implements FramePublisher {
  constructor(
    private readonly gate: InflightGate,
    private readonly store: FrameStore,
    private readonly queue: FramesQueue,
    private readonly hot: HotMarks,
    private readonly options: FramePublisherOptions,
  ) {}

  async publish(job: Omit<FrameJob, 'key'>, data: Uint8Array): Promise<PublishResult> {
    const key = this.store.keyOf(job.cameraId, job.seq);
    // The gate first (a few bytes): a held gate costs no 500 KB upload. Its value is the frame key,
    // so the analyzer can release exactly this frame's gate.
    if (!(await this.gate.tryAcquire(job.cameraId, key, this.options.inflightTtlMs))) return 'dropped_inflight';
    try {
      await this.store.put(job.cameraId, job.seq, data, this.options.frameTtlMs);
      await this.queue.add({ ...job, key });
      return 'published';
    } catch (err) {
      await this.gate.release(job.cameraId, key).catch(() => undefined);
      throw err;
    }
  }

  isHot(cameraId: string): Promise<boolean> {
    return this.hot.isHot(cameraId);
  }
}
