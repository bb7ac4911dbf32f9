import type { RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';

export type StreamEntry = [id: string, fields: string[] | null];

/**
 * Entries a consumer that has just read them is still working on, whatever its key says: a floor
 * against taking over a batch from a consumer caught between two refreshes.
 */
export const DEAD_CONSUMER_MIN_IDLE_MS = 1000;

/** The key a live consumer keeps; under the stream's key, so it shares its Redis Cluster hash tag. */
export function livenessKey(streamKey: string, group: string, consumer: string): string {
  return `${streamKey}:consumer:${group}:${consumer}`;
}

/**
 * Keeps this consumer's liveness key while the process runs (SET PX every third of the TTL, on a
 * connection that never blocks: the follower's own one waits in XREADGROUP). A crash lets the key
 * expire; a clean stop deletes it. Either way the group takes over the consumer's entries at once.
 */
export class ConsumerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Sets the key before the consumer's first read, so that it never appears in the group without it. */
  async start(): Promise<void> {
    await this.redis.set(this.key, '1', 'PX', this.ttlMs);
    this.timer = setInterval(() => void this.refresh(), Math.floor(this.ttlMs / 3));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.del(this.key).catch((err: Error) => {
      this.logger.warn({ key: this.key, err: err.message }, 'could not delete the consumer liveness key; it expires by itself');
    });
  }

  private async refresh(): Promise<void> {
    try {
      await this.redis.set(this.key, '1', 'PX', this.ttlMs);
      if (this.failing) this.logger.info({ key: this.key }, 'consumer liveness key refreshed again');
      this.failing = false;
    } catch (err) {
      // Once per outage: the follower's loop logs the outage itself.
      if (!this.failing) this.logger.warn({ key: this.key, ttlMs: this.ttlMs, err: (err as Error).message }, 'could not refresh the consumer liveness key');
      this.failing = true;
    }
  }
}

// KEYS[1] stream; ARGV group, dead consumer, new owner, min idle ms, count. In one script so that only
// entries the dead consumer still holds are claimed (never one another instance took over meanwhile),
// and it is deleted from the group only while it holds none.
const TAKE_OVER_SCRIPT = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[4], '-', '+', ARGV[5], ARGV[2])
if #pending == 0 then
  if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
  end
  return {}
end
local ids = {}
for i, entry in ipairs(pending) do ids[i] = entry[1] end
return redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], ARGV[4], unpack(ids))
`;

/**
 * Claims for `me` up to `count` entries of group consumers whose liveness key is gone (they crashed
 * or stopped), and deletes such consumers once they hold nothing, so the group does not grow by one
 * consumer per restart. Consumers with a key keep their entries (the claimIdleMs rule still applies).
 */
export async function takeOverDeadConsumers(
  conn: RedisClient,
  streamKey: string,
  group: string,
  me: string,
  count: number,
  logger: Logger,
): Promise<StreamEntry[]> {
  let consumers: unknown[][];
  try {
    consumers = (await conn.xinfo('CONSUMERS', streamKey, group)) as unknown[][];
  } catch (err) {
    // The stream is gone: the read that follows gets NOGROUP and recreates the group.
    if (String((err as Error).message).includes('no such key')) return [];
    throw err;
  }
  for (const fields of consumers) {
    const { name, pending } = consumerInfo(fields);
    if (name === me || (await conn.exists(livenessKey(streamKey, group, name))) === 1) continue;
    const args = [group, name, me, DEAD_CONSUMER_MIN_IDLE_MS, count];
    const entries = ((await conn.eval(TAKE_OVER_SCRIPT, 1, streamKey, ...args)) as (StreamEntry | null)[]).filter(
      (e): e is StreamEntry => e !== null,
    );
    if (entries.length > 0) {
      logger.warn({ group, consumer: name, pending, taken: entries.length }, 'taking over the events of a consumer that is gone');
      return entries;
    }
  }
  return [];
}

/** One consumer of XINFO CONSUMERS: a flat list of field names and values. */
function consumerInfo(fields: unknown[]): { name: string; pending: number } {
  const info = new Map<unknown, unknown>();
  for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i], fields[i + 1]);
  return { name: String(info.get('name')), pending: Number(info.get('pending')) };
}
