import { Inject, Injectable } from '@nestjs/common';
import { type RedisClient, type StreamDelayMark, StreamDelayMarks } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/**
 * A mark older than this is history: ingest renews a late stream's mark every 5 s, so a minute
 * without one means the stream caught up (or its reader went away, which the status says).
 */
export const STREAM_DELAY_MARK_FRESH_MS = 60_000;

/** How late each camera's stream arrives (written by ingest while it is late, `xl:stream-delay`). */
@Injectable()
export class StreamDelayMarksRepository {
  private readonly marks: StreamDelayMarks;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(SETTINGS) settings: Settings) {
    this.marks = new StreamDelayMarks(redis, { keyPrefix: settings.redisKeyPrefix });
  }

  /** The fresh marks (within STREAM_DELAY_MARK_FRESH_MS of `now`) of those of `cameraIds` that have one. */
  async fresh(cameraIds: readonly string[], now: number): Promise<Map<string, StreamDelayMark>> {
    const marks = await this.marks.many(cameraIds);
    for (const [id, mark] of marks) if (now - mark.at > STREAM_DELAY_MARK_FRESH_MS) marks.delete(id);
    return marks;
  }

  forget(cameraId: string): Promise<void> {
    return this.marks.forget(cameraId);
  }
}
