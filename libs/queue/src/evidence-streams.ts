import type { RedisClient } from './redis-client';
import { EVIDENCE_REQUESTS_STREAM, EVIDENCE_RESULTS_STREAM, type ClipRequest, type ClipResult } from '@xl/contracts';

export interface EvidenceStreamOptions {
  /** Prepended to the stream key. Default ''. */
  keyPrefix?: string;
  /** Approximate number of entries kept (XADD MAXLEN ~). Default 10000. */
  maxLen?: number;
}

export interface StreamItem<T> {
  /** Entry id (`<ms>-<n>`); pass the last one handled to `read` to continue after it. */
  id: string;
  value: T;
}

const FIELD = 'json';

/**
 * A Redis stream of JSON values, one field per entry. Evidence requests go to every ingest process
 * (each keeps the requests of the cameras it owns); results go back to alerts-api. A stream, not
 * pub/sub: an ingest process that takes a camera over re-reads the recent requests (`since`), and
 * alerts-api catches up after a restart.
 */
class JsonStream<T> {
  readonly key: string;
  private readonly maxLen: number;

  constructor(
    private readonly redis: RedisClient,
    name: string,
    options: EvidenceStreamOptions,
  ) {
    this.key = (options.keyPrefix ?? '') + name;
    this.maxLen = options.maxLen ?? 10_000;
  }

  async publish(value: T): Promise<string> {
    const id = await this.redis.xadd(this.key, 'MAXLEN', '~', this.maxLen, '*', FIELD, JSON.stringify(value));
    if (!id) throw new Error(`XADD ${this.key} returned no id`);
    return id;
  }

  /** Entries after `afterId` ('$' = only new ones). With `blockMs`, waits: use a connection of its own. */
  async read(afterId: string, options: { count?: number; blockMs?: number } = {}): Promise<StreamItem<T>[]> {
    const count = options.count ?? 100;
    const reply =
      options.blockMs === undefined
        ? await this.redis.xread('COUNT', count, 'STREAMS', this.key, afterId)
        : await this.redis.xread('COUNT', count, 'BLOCK', options.blockMs, 'STREAMS', this.key, afterId);
    return reply ? parse<T>(reply[0][1]) : [];
  }

  /** Entries added since `sinceMs` (epoch ms; entry ids start with their time), oldest first. */
  async since(sinceMs: number, count = 1000): Promise<StreamItem<T>[]> {
    return parse<T>(await this.redis.xrange(this.key, `${Math.max(0, Math.floor(sinceMs))}-0`, '+', 'COUNT', count));
  }

  /** Id of the newest entry, or '0-0' when empty: a reader starting now continues after it. */
  async lastId(): Promise<string> {
    const [last] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return last ? last[0] : '0-0';
  }
}

function parse<T>(entries: [string, string[]][]): StreamItem<T>[] {
  const items: StreamItem<T>[] = [];
  for (const [id, fields] of entries) {
    const at = fields.indexOf(FIELD);
    if (at < 0 || at % 2 !== 0) continue;
    try {
      items.push({ id, value: JSON.parse(fields[at + 1]) as T });
    } catch {
      // not ours: skip
    }
  }
  return items;
}

/** alerts-api → ingest: clips wanted. */
export class EvidenceRequestStream extends JsonStream<ClipRequest> {
  constructor(redis: RedisClient, options: EvidenceStreamOptions = {}) {
    super(redis, EVIDENCE_REQUESTS_STREAM, options);
  }
}

/** ingest → alerts-api: clips written (or not). */
export class EvidenceResultStream extends JsonStream<ClipResult> {
  constructor(redis: RedisClient, options: EvidenceStreamOptions = {}) {
    super(redis, EVIDENCE_RESULTS_STREAM, options);
  }
}
