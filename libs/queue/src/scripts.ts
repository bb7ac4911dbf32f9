// Small Lua scripts shared by the gate and the leases. Each touches one key, so they stay valid on a
// Redis Cluster (keys of one camera share the {cameraId} hash tag).

/** DEL the key only when it still holds ARGV[1]. Returns 1 when deleted. */
export const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** PEXPIRE the key to ARGV[2] ms only when it still holds ARGV[1]. Returns 1 when renewed. */
export const COMPARE_AND_PEXPIRE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Heartbeat of a member in a sorted set scored by Redis server time (one clock for all workers):
 * adds ARGV[1] at now, drops members older than ARGV[2] ms, returns how many are left.
 */
export const HEARTBEAT_MEMBER = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2] * 2)
return redis.call('ZCARD', KEYS[1])`;

/** Throws the first error of a pipeline / transaction result; returns the plain results. */
export function pipelineResults(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('redis transaction aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
