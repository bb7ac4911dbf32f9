import { Redis } from 'ioredis';
import type { RedisClient } from '@xl/queue';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { deleteKeys } from '../realtime/testing/push-harness';
import { WebhookGate } from './webhook-gate';

/** Runs `fn` as an API instance whose host clock is `skewMs` off the others' (Date.now only). */
async function onHostSkewedBy<T>(skewMs: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  try {
    return await fn();
  } finally {
    spy.mockRestore();
  }
}

// Review 2026-12-03 time-clocks, finding 2: the gate is shared by the API instances through Redis but
// was timed by each caller's host clock.
describe('WebhookGate across API instances whose host clocks differ (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('gateclock');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it("lets the siren's deliveries through on an instance 6 min behind once the circuit's open time is over", async () => {
    const gate = new WebhookGate(redis as unknown as RedisClient, prefix, { perReceiver: 2, openMs: 300, holdMs: 15_000 });
    for (const id of ['a1', 'a2', 'a3']) {
      // instance A (clock right): three tries without an answer
      await gate.enter('siren', id);
      await gate.leave('siren', id, false);
    }
    expect((await gate.enter('siren', 'a4')).kind).toBe('open');
    await new Promise((r) => setTimeout(r, 500)); // the circuit's 300 ms are over
    const entry = await onHostSkewedBy(-360_000, () => gate.enter('siren', 'b1')); // instance B, 6 min behind
    expect(entry.kind).toBe('go'); // before: 'open' for 6 more minutes
  });

  it('holds the per-receiver cap for an instance whose clock is 1 min ahead of the one holding the places', async () => {
    const gate = new WebhookGate(redis as unknown as RedisClient, prefix, { perReceiver: 2, openMs: 30_000, holdMs: 15_000 });
    expect((await gate.enter('siren', 'b1')).kind).toBe('go'); // instance B: two POSTs in flight, hanging
    expect((await gate.enter('siren', 'b2')).kind).toBe('go');
    const third = await onHostSkewedBy(+60_000, () => gate.enter('siren', 'a1')); // instance A, 1 min ahead
    expect(third.kind).toBe('busy'); // before: 'go' (B's places dropped as expired)
  });

  it('opens the circuit until a time on the Redis clock, whichever instance opened it', async () => {
    const gate = new WebhookGate(redis as unknown as RedisClient, prefix, { perReceiver: 2, openMs: 30_000, holdMs: 15_000 });
    for (const id of ['b1', 'b2', 'b3']) {
      await onHostSkewedBy(-360_000, async () => (await gate.enter('siren', id), await gate.leave('siren', id, false))); // instance B, 6 min behind
    }
    const [seconds, micros] = await redis.time();
    const redisNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const entry = await gate.enter('siren', 'a1');
    expect(entry).toMatchObject({ kind: 'open', failures: 3 }); // before: 'go' for instance A (B's circuit already over by A's clock)
    expect(entry.kind === 'open' && entry.untilMs - redisNow).toBeGreaterThan(29_000);
  });
});
