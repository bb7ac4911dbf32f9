import { STREAM_DELAY_HASH } from '@xl/contracts';
import { hashFields } from './hash-fields';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export type StreamDelayMarksOptions = KeyPrefixOptions;

/** A camera's stream delay as last reported: seconds behind real time, measured at `at` (epoch ms). */
export interface StreamDelayMark {
  seconds: number;
  at: number;
}

/**
 * How late each camera's stream arrives, in one Redis hash: ingest marks while a stream is late,
 * alerts-api reads. Marks are not removed when the stream catches up — they stop being renewed, and
 * readers judge them by `at` — so a reconnect that drops the backlog does not hide a link that keeps
 * falling behind.
 */
export class StreamDelayMarks extends PrefixedRedis {
  get key(): string {
    return this.prefix + STREAM_DELAY_HASH;
  }

  async mark(cameraId: string, mark: StreamDelayMark): Promise<void> {
    await this.redis.hset(this.key, cameraId, JSON.stringify({ seconds: Math.round(mark.seconds * 10) / 10, at: Math.round(mark.at) }));
  }

  /** The last mark of each of `cameraIds` that has a readable one. */
  async many(cameraIds: readonly string[]): Promise<Map<string, StreamDelayMark>> {
    const out = new Map<string, StreamDelayMark>();
    for (const [id, raw] of await hashFields(this.redis, this.key, cameraIds)) {
      const mark = parseMark(raw);
      if (mark) out.set(id, mark);
    }
    return out;
  }

  /** A deleted camera's mark. */
  async forget(cameraId: string): Promise<void> {
    await this.redis.hdel(this.key, cameraId);
  }
}

function parseMark(raw: string): StreamDelayMark | null {
  try {
    const { seconds, at } = JSON.parse(raw) as Partial<StreamDelayMark>;
    return Number.isFinite(seconds) && Number.isFinite(at) ? { seconds: seconds as number, at: at as number } : null;
  } catch {
    return null;
  }
}
