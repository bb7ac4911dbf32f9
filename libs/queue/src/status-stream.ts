import type { RedisClient } from './redis-client';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';

export interface CameraStatusStreamOptions {
  /**
   * Prepended to the stream key.
   * @defaultValue ''
   */
  keyPrefix?: string;
  /**
   * Approximate number of entries kept (XADD MAXLEN ~). Consumers that fall further behind miss
   * the oldest events.
   * @defaultValue 10000
   */
  maxLen?: number;
}

export interface StatusEntry {
  /** Stream entry id; pass the last one handled to `read` to continue after it. */
  id: string;
  event: CameraStatusEvent;
}

/** Field holding the JSON-encoded CameraStatusEvent in each stream entry. */
export const STATUS_FIELD = 'event';

/**
 * The camera status stream (ingest → alerts-api): online / offline{reason} / recovered with times.
 * A stream, not pub/sub, so a consumer that was down catches up from its last id.
 */
export class CameraStatusStream {
  readonly key: string;
  private readonly maxLen: number;

  constructor(
    private readonly redis: RedisClient,
    options: CameraStatusStreamOptions = {},
  ) {
    this.key = (options.keyPrefix ?? '') + CAMERA_STATUS_STREAM;
    this.maxLen = options.maxLen ?? 10_000;
  }

  /** Appends an event; returns its entry id. */
  async publish(event: CameraStatusEvent): Promise<string> {
    const id = await this.redis.xadd(this.key, 'MAXLEN', '~', this.maxLen, '*', STATUS_FIELD, JSON.stringify(event));
    if (!id) throw new Error('XADD returned no id');
    return id;
  }

  /**
   * Entries after `afterId` ('0' = from the start, '$' = only new ones), at most `count`. With
   * `blockMs` waits that long for new entries: use a connection of its own for blocking reads.
   * Entries that are not a status event are skipped.
   */
  async read(afterId = '0', options: { count?: number; blockMs?: number } = {}): Promise<StatusEntry[]> {
    const count = options.count ?? 100;
    const reply =
      options.blockMs === undefined
        ? await this.redis.xread('COUNT', count, 'STREAMS', this.key, afterId)
        : await this.redis.xread('COUNT', count, 'BLOCK', options.blockMs, 'STREAMS', this.key, afterId);
    if (!reply) return [];
    const entries: StatusEntry[] = [];
    for (const [, items] of reply) {
      for (const [id, fields] of items) {
        const at = fields.indexOf(STATUS_FIELD);
        if (at < 0 || at % 2 !== 0) continue;
        try {
          entries.push({ id, event: JSON.parse(fields[at + 1]) as CameraStatusEvent });
        } catch {
          // not ours: skip
        }
      }
    }
    return entries;
  }
}
