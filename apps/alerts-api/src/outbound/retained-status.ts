import type { RedisClient } from '@xl/queue';
import type { LogEvent } from '../realtime/event-log';

// For each (camera, seq) pair in ARGV: newest so far (or the same again: a retry) → recorded, 1.
const RECORD_IF_NEWEST = `
local out = {}
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '-1')
  local seq = tonumber(ARGV[i + 1])
  if seq >= current then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * Which camera.status events may become a camera's retained MQTT message. An instance that dies
 * after the broker's PUBACK but before acknowledging its stream entries has them claimed and published
 * again by another a minute later — after newer statuses: retained, the old one would replace the
 * camera's current status on every wall display until its next change. Those go out not retained.
 */
export class RetainedStatusGuard {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  /** The seqs of the events that are their camera's newest status (in the order given). */
  async newest(events: LogEvent[]): Promise<Set<number>> {
    const statuses = events.filter((e) => e.type === 'camera.status');
    if (!statuses.length) return new Set();
    const args = statuses.flatMap((e) => [e.scope.cameraId, String(e.seq)]);
    const verdicts = (await this.redis.eval(RECORD_IF_NEWEST, 1, this.key, ...args)) as number[];
    return new Set(statuses.filter((_, i) => verdicts[i] === 1).map((e) => e.seq));
  }
}
