import type { RedisClient } from '@xl/queue';

/**
 * Keeps one receiver from holding up the others (2026-12-03 review of outbound, finding 1). All
 * subscriptions share the webhook worker's slots, and a receiver that never answers — a 4G siren
 * gateway switched off, a host behind a firewall that drops packets — held each slot for the whole
 * timeout: a school siren's alarm waited behind its POSTs, without bound while it stayed down. So,
 * per subscription and across every API instance (Redis):
 * - at most `perReceiver` POSTs in flight; a try beyond that waits (no try used up);
 * - after CIRCUIT_FAILURES tries in a row that got no answer at all (timeout, refused, reset) the
 *   circuit opens for `openMs`: tries then fail at once (`circuit_open`, a try used up, as a failed
 *   POST would) instead of each holding a slot; the first tries after it are the probe.
 * An HTTP answer of any status closes the circuit: such a receiver does not hold slots.
 */
export const CIRCUIT_FAILURES = 3;

export type GateEntry = { kind: 'go' } | { kind: 'busy' } | { kind: 'open'; untilMs: number; failures: number };

export interface WebhookGateOptions {
  /** POSTs in flight per subscription, all instances together. */
  perReceiver: number;
  /** How long the circuit stays open. */
  openMs: number;
  /** How long a try may hold its place (the POST's timeout plus a margin): a crashed instance's place is freed after it. */
  holdMs: number;
}

/**
 * The Redis server's time in ms: the gate is shared by every API instance, so it is timed by one
 * clock, not by each caller's host clock (an instance 6 min behind saw a circuit opened by another as
 * open 6 min longer; one ahead by more than holdMs dropped the others' places and doubled the cap).
 */
const REDIS_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: in flight (zset: job id → expiry ms), circuit (hash: failures, openUntil). ARGV: job id, hold ms, cap. Times: Redis's. */
const ENTER = `${REDIS_NOW}
local openUntil = tonumber(redis.call('HGET', KEYS[2], 'openUntil') or '0')
if openUntil > now then return {'open', openUntil, tonumber(redis.call('HGET', KEYS[2], 'failures') or '0')} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return {'busy', 0, 0} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'go', 0, 0}`;

/** KEYS as ENTER. ARGV: job id, answered (1/0), failures to open, open ms. Returns the failures in a row. */
const LEAVE = `${REDIS_NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2])
  return 0
end
local n = redis.call('HINCRBY', KEYS[2], 'failures', 1)
local openMs = tonumber(ARGV[4])
if n >= tonumber(ARGV[3]) then redis.call('HSET', KEYS[2], 'openUntil', now + openMs) end
redis.call('PEXPIRE', KEYS[2], openMs * 10)
return n`;

export class WebhookGate {
  constructor(
    private readonly redis: RedisClient,
    /** Key prefix (the queues'); each subscription's keys share a hash tag (one Cluster slot). */
    private readonly prefix: string,
    private readonly options: WebhookGateOptions,
  ) {}

  private keys(subscriptionId: string): [string, string] {
    const base = `${this.prefix}:webhook-gate:{${subscriptionId}}`;
    return [`${base}:in-flight`, `${base}:circuit`];
  }

  /** Takes a place for `jobId`'s POST, or says why not (`untilMs`: on the Redis server's clock). */
  async enter(subscriptionId: string, jobId: string): Promise<GateEntry> {
    const { holdMs, perReceiver } = this.options;
    const [kind, untilMs, failures] = (await this.redis.eval(ENTER, 2, ...this.keys(subscriptionId), jobId, holdMs, perReceiver)) as [string, number, number];
    return kind === 'open' ? { kind, untilMs, failures } : { kind: kind as 'go' | 'busy' };
  }

  /** Frees the place; `answered`: the receiver gave an HTTP answer (any status). Returns the failures in a row. */
  async leave(subscriptionId: string, jobId: string, answered: boolean): Promise<number> {
    return (await this.redis.eval(LEAVE, 2, ...this.keys(subscriptionId), jobId, answered ? 1 : 0, CIRCUIT_FAILURES, this.options.openMs)) as number;
  }
}
