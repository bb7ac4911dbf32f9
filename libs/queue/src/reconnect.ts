/**
 * ioredis reconnect back-off for every app: doubling from 50 ms, capped at 1 s, plus up to 100 ms of
 * jitter. ioredis 6's default cap is 5 s: after a Redis restart of a few seconds every app stayed
 * blind for up to 5 s more (measured 3 s after a 4 s outage, test/faults/redis-restart.int.spec.ts).
 * One connection attempt a second per connection costs Redis nothing.
 */
export function redisRetryStrategy(times: number): number {
  return Math.min(50 * 2 ** (times - 1), 1000) + Math.floor(Math.random() * 100);
}
