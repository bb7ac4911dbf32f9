import type { RedisClient } from '@xl/queue';
import type { LogEvent } from '../realtime/event-log';
import { mqttPayload } from './mqtt-publisher';

// One hash per deployment: field `<camera>` → its newest status seq (as before 2026-12-03, so an
// instance of the previous version still reads and writes it during a rolling deploy), field
// `<camera>:newest` → that status's MQTT payload, which carries its seq. `:` is never in a camera id.
// One key: no cross-slot script on a Redis Cluster.
const NEWEST_FIELD = ':newest';

// For each (camera, seq, payload) triple in ARGV: newest so far (or the same again: a retry) →
// recorded, 1. A value that is no number (none yet) counts as older than any seq.
const RECORD_IF_NEWEST = `
local out = {}
for i = 1, #ARGV, 3 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '') or -1
  local seq = tonumber(ARGV[i + 1])
  if seq >= current then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1], ARGV[i] .. '${NEWEST_FIELD}', ARGV[i + 2])
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/** A camera's newest status as recorded, to be published retained again. */
export interface NewestStatus {
  cameraId: string;
  seq: number;
  /** The MQTT payload of that status (`{"seq","type","data"}`). */
  payload: string;
}

/**
 * Which camera.status events may become a camera's retained MQTT message, and what a camera's
 * retained message must end up as.
 *
 * An instance that dies after the broker's PUBACK but before acknowledging its stream entries has
 * them claimed and published again by another a minute later — after newer statuses: retained, the
 * old one would replace the camera's current status on every wall display until its next change.
 * Those go out not retained (`newest`).
 *
 * That verdict is taken before the publish; the broker may get the messages in another order (an
 * instance whose link was down sends its held, older status after another instance published a
 * newer one). So after each publish the caller asks `newerThan` and publishes what it returns
 * retained again: whoever reaches the broker last then leaves the newest there.
 */
export class RetainedStatusGuard {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  /** Records each status that is its camera's newest so far, with its payload; returns their seqs. */
  async newest(events: LogEvent[]): Promise<Set<number>> {
    const statuses = events.filter((e) => e.type === 'camera.status');
    if (!statuses.length) return new Set();
    const args = statuses.flatMap((e) => [e.scope.cameraId, String(e.seq), mqttPayload(e)]);
    const verdicts = (await this.redis.eval(RECORD_IF_NEWEST, 1, this.key, ...args)) as number[];
    return new Set(statuses.filter((_, i) => verdicts[i] === 1).map((e) => e.seq));
  }

  /**
   * The cameras whose recorded newest status is newer than the seq given for them (what the caller
   * just published), with that status's payload: one read. A camera whose newest seq was recorded
   * without its payload (by an instance of the previous version) is left out: its retained message
   * is whatever that instance published.
   */
  async newerThan(published: ReadonlyMap<string, number>): Promise<NewestStatus[]> {
    const cameras = [...published.keys()];
    if (!cameras.length) return [];
    const values = await this.redis.hmget(this.key, ...cameras.flatMap((c) => [c, `${c}${NEWEST_FIELD}`]));
    return cameras.flatMap((cameraId, i) => {
      const seq = Number(values[2 * i] ?? NaN);
      const payload = values[2 * i + 1];
      if (!Number.isSafeInteger(seq) || seq <= (published.get(cameraId) ?? Infinity) || !payload) return [];
      return payloadSeq(payload) === seq ? [{ cameraId, seq, payload }] : [];
    });
  }
}

function payloadSeq(payload: string): number | null {
  try {
    const seq = (JSON.parse(payload) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : null;
  } catch {
    return null;
  }
}
