import type { RedisClient } from '@xl/queue';
import type { PushEvent } from '../shared/push-events';

/** A published event with its global sequence number and publication time (epoch ms). */
export interface LogEvent extends PushEvent {
  seq: number;
  at: number;
}

/** One XRANGE page of the backlog plus where the log stands. */
export interface LogPage {
  /** Sequence number of the newest event ever published (0 before the first). */
  head: number;
  /** Sequence number of the oldest event still in the backlog; null when the backlog is empty. */
  oldest: number | null;
  /**
   * Events after the requested sequence number, ascending and contiguous (every seq is logged) but for
   * the `skipped` ones.
   */
  events: LogEvent[];
  /**
   * Seqs of entries in this page that do not parse (a hand-made XADD, another release's format): left
   * out, so that one bad entry is a gap readers report (resync) rather than a read that fails for ever.
   */
  skipped?: number[];
  /** With `withEntry`: the entry under the requested seq itself; null when the stream has none (or it does not parse). */
  entry?: LogEvent | null;
}

// INCR, XADD and PUBLISH in one script: a sequence number is stream order is publication order,
// across every API instance, and no seq is ever skipped in the stream (readers detect gaps by it).
// A missing counter (fresh or flushed Redis) starts at the current epoch ms, never below the
// stream's newest id, so sequence numbers never go backwards: a client that resumes from before a
// Redis flush is told to resync instead of being fed another epoch's events under its numbers.
const INIT_COUNTER = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  local t = redis.call('TIME')
  local base = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #newest > 0 then
    local id = tonumber(string.match(newest[1][1], '^(%d+)'))
    if id > base then base = id end
  end
  redis.call('SET', KEYS[1], string.format('%.0f', base))
end
`;
// With ARGV[4] = '1', KEYS[3] is an idempotency key (kept ARGV[5] seconds): an event published again
// under it (the API re-pushing an alert.created, or the update that raised an alarm, it is unsure it
// pushed) is not logged twice; the first seq is returned.
//
// ARGV[6] is the highest seq the appending instance has seen. A counter below it was rolled back
// (a replica promoted before it got the last INCRs, an AOF that lost its last second): it is raised
// first, so no seq a client or receiver has already seen is handed out again — the lost ones become
// a gap, which feeds and resuming clients turn into a resync.
const RAISE_COUNTER = `
local floor = tonumber(ARGV[6])
if floor and tonumber(redis.call('GET', KEYS[1])) < floor then redis.call('SET', KEYS[1], ARGV[6]) end
`;
const APPEND_SCRIPT = `${INIT_COUNTER}
if ARGV[4] == '1' then
  local first = redis.call('GET', KEYS[3])
  if first then return {first, 1} end
end
${RAISE_COUNTER}
local seq = string.format('%.0f', redis.call('INCR', KEYS[1]))
local payload = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MAXLEN', '=', ARGV[2], seq .. '-0', 'e', payload)
redis.call('PUBLISH', ARGV[3], payload)
if ARGV[4] == '1' then redis.call('SET', KEYS[3], seq, 'EX', ARGV[5]) end
return {payload, 0}
`;
const HEAD_SCRIPT = `${INIT_COUNTER}
return redis.call('GET', KEYS[1])
`;
// KEYS[1] counter, KEYS[2] stream; ARGV[6] the floor (ARGV[1..5] unused, to share RAISE_COUNTER).
const RAISE_SCRIPT = `${INIT_COUNTER}
${RAISE_COUNTER}
return redis.call('GET', KEYS[1])
`;

/**
 * How long an alert.created is remembered against a second publication (1 hour). A second publication
 * comes from the intake retrying an event whose push it is unsure of (1 s doubling to 30 s apart,
 * usually within seconds; only a database outage of over an hour right after the commit outlasts it,
 * and screens key alerts by id); remembering longer only grows Redis by one key per alert (the
 * 20-minute soak: 288 such keys).
 */
export const CREATED_DEDUPE_SECONDS = 3600;

/**
 * How long the push of a raised alarm is remembered (7 days). Its re-push comes from the notifier's
 * sweeper, which retries for as long as it takes: an API that died between logging the alarm and
 * clearing it, and came back hours later, must not sound the siren again. Alarms are rare (one key
 * each).
 */
export const ALARM_DEDUPE_SECONDS = 7 * 86_400;

/** Key names under one prefix; `{push}` keeps counter and stream on one Redis Cluster shard. */
export function eventLogKeys(prefix: string) {
  return {
    seq: `${prefix}:{push}:seq`,
    stream: `${prefix}:{push}:log`,
    /** Idempotency key of one alert's alert.created. */
    created: (alertId: string) => `${prefix}:{push}:created:${alertId}`,
    /** The one push of the alarm an alert raised at `alarmedAt` (an update that raised it). */
    alarm: (alertId: string, alarmedAt: number) => `${prefix}:{push}:alarm:${alertId}@${alarmedAt}`,
    channel: `${prefix}:push:events`,
    /** Per camera, the seq of the newest camera.status published as MQTT's retained message. */
    mqttRetainedStatus: `${prefix}:{push}:mqtt:retained-status`,
  };
}

/**
 * The global, bounded, sequenced event log in Redis: a counter, a capped stream whose entry ids are
 * the sequence numbers (`<seq>-0`), and a pub/sub channel on which each appended event is announced.
 */
export class RedisEventLog {
  readonly keys: ReturnType<typeof eventLogKeys>;
  /** The highest seq this instance has appended or seen on its feed: the floor of its next append. */
  private highest = 0;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly maxLen: number,
  ) {
    this.keys = eventLogKeys(prefix);
  }

  get channel(): string {
    return this.keys.channel;
  }

  /**
   * Appends an event and returns it with its seq. alert.created is logged once per alert id
   * (`data.id`), a raised alarm's update once per (alert, `alarmAt`): publishing it again returns the
   * first one's seq with `duplicate: true`.
   */
  async append(event: PushEvent): Promise<LogEvent & { duplicate?: true }> {
    const at = Date.now();
    const body = JSON.stringify({
      type: event.type,
      scope: event.scope,
      data: event.data,
      ...(event.capturedAt !== undefined ? { capturedAt: event.capturedAt } : {}),
      at,
    });
    const dedupe = this.dedupeOf(event);
    const [reply, duplicate] = (await this.redis.eval(
      APPEND_SCRIPT,
      3,
      this.keys.seq,
      this.keys.stream,
      dedupe?.key ?? this.keys.seq,
      body,
      String(this.maxLen),
      this.keys.channel,
      dedupe ? '1' : '0',
      String(dedupe?.seconds ?? CREATED_DEDUPE_SECONDS),
      String(this.highest),
    )) as [string, number];
    if (duplicate) return { ...event, seq: Number(reply), at, duplicate: true };
    const logged = parseLogEvent(reply);
    this.observe(logged.seq);
    return logged;
  }

  /** Records a seq this instance has seen (its feed calls this): appends never go below it. */
  observe(seq: number): void {
    if (seq > this.highest) this.highest = seq;
  }

  /** Raises a counter that was rolled back below `seq` (see RAISE_COUNTER); returns the head after. */
  async raiseTo(seq: number): Promise<number> {
    this.observe(seq);
    return Number(await this.redis.eval(RAISE_SCRIPT, 2, this.keys.seq, this.keys.stream, '', '', '', '', '', String(seq)));
  }

  /**
   * Events logged once whoever publishes them again: an alert's creation, and the update that raised
   * an alarm (`alarmAt`) — the intake and any instance's sweeper may both push it, and a siren must
   * sound once.
   */
  private dedupeOf(event: PushEvent): { key: string; seconds: number } | null {
    const { id } = event.data;
    if (typeof id !== 'string') return null;
    if (event.type === 'alert.created') return { key: this.keys.created(id), seconds: CREATED_DEDUPE_SECONDS };
    if (event.type === 'alert.updated' && event.alarmAt !== undefined) return { key: this.keys.alarm(id, event.alarmAt), seconds: ALARM_DEDUPE_SECONDS };
    return null;
  }

  /** The newest sequence number; creates the counter when missing so that the next event is head + 1. */
  async head(): Promise<number> {
    return Number(await this.redis.eval(HEAD_SCRIPT, 2, this.keys.seq, this.keys.stream));
  }

  /** The counter as it stands (one GET; 0 when missing): the feed's periodic check for missed messages. */
  async currentHead(): Promise<number> {
    return Number((await this.redis.get(this.keys.seq)) ?? 0);
  }

  /**
   * Up to `count` events with seq > afterSeq, read atomically with the head and the oldest seq (and,
   * `withEntry`, the entry under afterSeq: what a resuming client's lastSeq names now).
   */
  async readAfter(afterSeq: number, count: number, withEntry = false): Promise<LogPage> {
    const tx = this.redis
      .multi()
      .get(this.keys.seq)
      .xrange(this.keys.stream, `(${afterSeq}-0`, '+', 'COUNT', count)
      .xrange(this.keys.stream, '-', '+', 'COUNT', 1);
    if (withEntry) tx.xrange(this.keys.stream, `${afterSeq}-0`, `${afterSeq}-0`);
    const results = await tx.exec();
    if (!results) throw new Error('event log read was aborted');
    for (const [err] of results) if (err) throw err;
    const head = Number((results[0][1] as string | null) ?? 0);
    const first = results[2][1] as [string, string[]][];
    const page: LogPage = {
      head,
      oldest: first.length > 0 ? Number.parseInt(first[0][0], 10) : null,
      events: [],
      skipped: [],
    };
    for (const [id, fields] of results[1][1] as [string, string[]][]) {
      const event = tryParse(fields);
      if (event) page.events.push(event);
      else page.skipped?.push(Number.parseInt(id, 10));
    }
    if (withEntry) page.entry = tryParse((results[3][1] as [string, string[]][])[0]?.[1]);
    return page;
  }
}

function tryParse(fields: string[] | undefined): LogEvent | null {
  try {
    return parseLogEvent(fields?.[1] as string);
  } catch {
    return null;
  }
}

export function parseLogEvent(payload: string): LogEvent {
  const event = JSON.parse(payload) as LogEvent;
  if (!Number.isSafeInteger(event.seq) || typeof event.type !== 'string' || !event.scope) {
    throw new Error(`malformed push event: ${payload.slice(0, 200)}`);
  }
  return event;
}
