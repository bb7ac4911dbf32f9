// The Redis side of the status outbox: a camera's events appended to the status stream in one
// MULTI, so an outage that began and ended while Redis was away reaches alerts-api whole — its
// offline event never alone on the stream (which would raise camera_offline for an outage long over).
import type { CameraStatusEvent } from '@xl/contracts';
import { CameraStatusStream, STATUS_FIELD, type RedisClient } from '@xl/queue';
import type { StatusPublisher } from '../ports';

/** Entries the status stream keeps (XADD MAXLEN ~), as CameraStatusStream's own publish trims it. */
const STATUS_STREAM_MAX_LEN = 10_000;

export class RedisStatusPublisher implements StatusPublisher {
  private readonly stream: CameraStatusStream;

  constructor(
    private readonly redis: RedisClient,
    options: { keyPrefix: string },
  ) {
    this.stream = new CameraStatusStream(redis, { keyPrefix: options.keyPrefix, maxLen: STATUS_STREAM_MAX_LEN });
  }

  async publish(events: CameraStatusEvent[]): Promise<void> {
    if (events.length === 1) {
      await this.stream.publish(events[0]);
      return;
    }
    // One key: a single slot on Redis Cluster too.
    const multi = this.redis.multi();
    for (const event of events) multi.xadd(this.stream.key, 'MAXLEN', '~', STATUS_STREAM_MAX_LEN, '*', STATUS_FIELD, JSON.stringify(event));
    const replies = await multi.exec();
    if (!replies) throw new Error(`status events of camera ${events[0].cameraId} not appended: MULTI aborted`);
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0]!;
  }
}
