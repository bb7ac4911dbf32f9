import { z } from 'zod';
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

/** What one `read` got: the entries that are values of the stream's type, and how far it got. */
export interface StreamPage<T> {
  items: StreamItem<T>[];
  /**
   * Id of the last entry read, whether it was a value or not (null: none): continue after this one.
   * A reader that continued after its last item instead asked for a foreign or garbled entry again
   * and again — at once, without blocking — and after 100 of them in a row never moved again.
   */
  lastId: string | null;
  /** Ids of the entries read that are not values of the stream's type (not JSON, or not this shape). */
  skipped: string[];
}

const FIELD = 'json';

const epochMs = z.number().int().min(0);
const clipRequestSchema = z.object({
  alertId: z.string().min(1),
  cameraId: z.string().min(1),
  startedAt: epochMs,
  lastAt: epochMs,
  snapshotAt: epochMs,
  requestedAt: epochMs,
}) satisfies z.ZodType<ClipRequest>;
const clipResultSchema = z.object({
  alertId: z.string().min(1),
  cameraId: z.string().min(1),
  status: z.enum(['complete', 'truncated', 'unavailable']),
  reason: z.enum(['camera_offline', 'recording_started_late', 'handover', 'recording_disabled', 'no_segments', 'cut_failed', 'no_answer']).optional(),
  clipPath: z.string().optional(),
  snapshotPath: z.string().optional(),
  requestedFrom: epochMs,
  requestedTo: epochMs,
  clipFrom: epochMs.optional(),
  clipTo: epochMs.optional(),
  durationMs: z.number().int().min(0).optional(),
  bytes: z.number().int().min(0),
  ingestId: z.string(),
  at: epochMs,
}) satisfies z.ZodType<ClipResult>;

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
    private readonly schema: z.ZodType<T>,
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

  /**
   * Entries after `afterId` ('$' = only new ones); continue after the page's `lastId`. With `blockMs`,
   * waits: use a connection of its own.
   */
  async read(afterId: string, options: { count?: number; blockMs?: number } = {}): Promise<StreamPage<T>> {
    const count = options.count ?? 100;
    const reply =
      options.blockMs === undefined
        ? await this.redis.xread('COUNT', count, 'STREAMS', this.key, afterId)
        : await this.redis.xread('COUNT', count, 'BLOCK', options.blockMs, 'STREAMS', this.key, afterId);
    return this.parse(reply ? reply[0][1] : []);
  }

  /**
   * Values added since `sinceMs` (epoch ms; entry ids start with their time) up to the newest entry as
   * of the call, oldest first, read `pageSize` entries at a time. One page of 1 000 left a take-over on
   * a large site without the newest requests of the window; the end is fixed at the call, so entries
   * added meanwhile (a reader follows those) cannot keep the paging going.
   */
  async since(sinceMs: number, pageSize = 1000): Promise<StreamItem<T>[]> {
    const end = await this.lastId();
    if (end === '0-0') return [];
    const items: StreamItem<T>[] = [];
    let start = `${Math.max(0, Math.floor(sinceMs))}-0`;
    for (;;) {
      const entries = await this.redis.xrange(this.key, start, end, 'COUNT', pageSize);
      const page = this.parse(entries);
      items.push(...page.items);
      if (entries.length < pageSize || !page.lastId || page.lastId === end) return items;
      start = `(${page.lastId}`; // after the last entry read (Redis ≥ 6.2)
    }
  }

  private parse(entries: [string, string[]][]): StreamPage<T> {
    const page: StreamPage<T> = { items: [], lastId: null, skipped: [] };
    for (const [id, fields] of entries) {
      page.lastId = id;
      const value = valueOf(fields, this.schema);
      if (value === undefined) page.skipped.push(id);
      else page.items.push({ id, value });
    }
    return page;
  }

  /** Id of the newest entry, or '0-0' when empty: a reader starting now continues after it. */
  async lastId(): Promise<string> {
    const [last] = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return last ? last[0] : '0-0';
  }
}

/** The entry's `json` field as a value of the schema; undefined when it is missing, not JSON or not that shape. */
function valueOf<T>(fields: string[], schema: z.ZodType<T>): T | undefined {
  const at = fields.indexOf(FIELD);
  if (at < 0 || at % 2 !== 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fields[at + 1]);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** alerts-api → ingest: clips wanted. */
export class EvidenceRequestStream extends JsonStream<ClipRequest> {
  constructor(redis: RedisClient, options: EvidenceStreamOptions = {}) {
    super(redis, EVIDENCE_REQUESTS_STREAM, clipRequestSchema, options);
  }
}

/** ingest → alerts-api: clips written (or not). */
export class EvidenceResultStream extends JsonStream<ClipResult> {
  constructor(redis: RedisClient, options: EvidenceStreamOptions = {}) {
    super(redis, EVIDENCE_RESULTS_STREAM, clipResultSchema, options);
  }
}
