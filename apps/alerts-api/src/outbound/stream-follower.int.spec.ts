import { Redis } from 'ioredis';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { RedisEventLog, type LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { livenessKey } from './consumer-liveness';
import { StreamFollower, type StreamFollowerOptions } from './stream-follower';

const logger = createLogger('test.follower', process.env.LOG_LEVEL ?? 'silent');

describe('StreamFollower (consumer group on the push log, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let log: RedisEventLog;
  const followers: StreamFollower[] = [];
  /** Releases a handler a test left hanging, so that stopping its follower does not wait forever. */
  let release: () => void = () => undefined;
  let stuck: Promise<void> = Promise.resolve();

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('follower');
    log = new RedisEventLog(redis, prefix, 1000);
  });
  afterEach(async () => {
    release();
    await Promise.all(followers.splice(0).map((f) => f.stop()));
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const follow = async (
    consumer: string,
    handle: (events: LogEvent[]) => Promise<void>,
    extra: Partial<StreamFollowerOptions> = {},
  ) => {
    const f = new StreamFollower(
      redis.duplicate(),
      log.keys.stream,
      { group: 'g', consumer, blockMs: 50, batch: 5, claimIdleMs: 60_000, livenessTtlMs: 1500, ...extra },
      handle,
      logger,
      redis,
    );
    await f.start();
    followers.push(f);
    return f;
  };
  const appendMany = async (n: number) => {
    const seqs: number[] = [];
    for (let i = 0; i < n; i++) seqs.push((await log.append(pushEvent(scopes.riverA, { i }))).seq);
    return seqs;
  };
  const consumersOf = async (group: string) =>
    ((await redis.xinfo('CONSUMERS', log.keys.stream, group)) as string[][]).map((c) => c[1]).sort();
  const pendingOf = async (group: string) => Number(((await redis.xpending(log.keys.stream, group)) as [number])[0]);
  const until = async (condition: () => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('two instances in one group handle every event once between them', async () => {
    const handled: number[] = [];
    await follow('a', async (events) => void handled.push(...events.map((e) => e.seq)));
    await follow('b', async (events) => void handled.push(...events.map((e) => e.seq)));
    const seqs = await appendMany(20);
    await until(() => handled.length >= 20);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect([...handled].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('retries a batch whose handler failed, and takes over what a dead instance held', async () => {
    stuck = new Promise<void>((resolve) => (release = resolve));
    let fail = true;
    const retried: number[] = [];
    await follow('flaky', async (events) => {
      if (fail) {
        fail = false;
        throw new Error('receiver down');
      }
      retried.push(...events.map((e) => e.seq));
    });
    const first = await appendMany(3);
    await until(() => retried.length >= 3);
    expect(retried).toEqual(first);
    await followers.pop()?.stop();

    // Both entries wait in the stream before 'stuck' reads, so it takes them in one batch and hangs
    // on it (appending while it reads could hand it the first alone and leave the second unread).
    const held = await appendMany(2);
    const seenByStuck: number[] = [];
    await follow('stuck', async (events) => {
      seenByStuck.push(...events.map((e) => e.seq));
      await stuck;
    });
    await until(() => seenByStuck.length === 2);
    const taken: number[] = [];
    await follow('rescuer', async (events) => void taken.push(...events.map((e) => e.seq)), { claimIdleMs: 300 });
    await until(() => taken.length >= 2);
    expect(taken).toEqual(held);
  });

  it('takes over at once what a dead instance held, long before claimIdleMs', async () => {
    // A consumer that read two entries and died: they stay pending, and it keeps no liveness key.
    await redis.xgroup('CREATE', log.keys.stream, 'g', '$', 'MKSTREAM');
    const held = await appendMany(2);
    await redis.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 5, 'STREAMS', log.keys.stream, '>');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // idle past the takeover's 1 s floor
    const taken: number[] = [];
    await follow('rescuer', async (events) => void taken.push(...events.map((e) => e.seq))); // claimIdleMs 60 s
    await until(() => taken.length >= 2, 4000);
    expect(taken).toEqual(held);
  });

  it('waits for a dead instance only until its liveness key expires', async () => {
    await redis.xgroup('CREATE', log.keys.stream, 'g', '$', 'MKSTREAM');
    const held = await appendMany(1);
    await redis.xreadgroup('GROUP', 'g', 'crashed', 'COUNT', 5, 'STREAMS', log.keys.stream, '>');
    // It crashed right after a refresh: its key lives on for a while.
    await redis.set(livenessKey(log.keys.stream, 'g', 'crashed'), '1', 'PX', 2500);
    const taken: number[] = [];
    const started = Date.now();
    await follow('rescuer', async (events) => void taken.push(...events.map((e) => e.seq)));
    await until(() => taken.length >= 1, 6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
    expect(taken).toEqual(held);
  });

  it('never takes over the batch of a live instance that handles it slowly', async () => {
    stuck = new Promise<void>((resolve) => (release = resolve));
    await redis.xgroup('CREATE', log.keys.stream, 'g', '$', 'MKSTREAM');
    const held = await appendMany(2);
    const seenBySlow: number[] = [];
    // Refreshes every 200 ms; handles for 3 s, five times its liveness TTL.
    await follow('slow', async (events) => {
      seenBySlow.push(...events.map((e) => e.seq));
      await stuck;
    }, { livenessTtlMs: 600 });
    await until(() => seenBySlow.length === 2);
    const taken: number[] = [];
    await follow('other', async (events) => void taken.push(...events.map((e) => e.seq)), { livenessTtlMs: 600 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(taken).toEqual([]);
    release();
    const deadline = Date.now() + 3000;
    while ((await pendingOf('g')) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pendingOf('g')).toBe(0);
    expect(seenBySlow).toEqual(held);
    expect(taken).toEqual([]);
  });

  it('removes consumers that are gone and hold nothing from the group, and only those', async () => {
    await redis.xgroup('CREATE', log.keys.stream, 'g', '$', 'MKSTREAM');
    for (const ghost of ['restart-1', 'restart-2']) await redis.xgroup('CREATECONSUMER', log.keys.stream, 'g', ghost);
    await follow('a', async () => undefined);
    await follow('b', async () => undefined);
    const deadline = Date.now() + 3000;
    while ((await consumersOf('g')).join() !== 'a,b' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await consumersOf('g')).toEqual(['a', 'b']);
  });

  it('a clean stop acknowledges the batch it is handling, then deletes its liveness key', async () => {
    stuck = new Promise<void>((resolve) => (release = resolve));
    await redis.xgroup('CREATE', log.keys.stream, 'g', '$', 'MKSTREAM');
    await appendMany(2);
    const seen: number[] = [];
    const a = await follow('a', async (events) => {
      seen.push(...events.map((e) => e.seq));
      await stuck;
    });
    await until(() => seen.length === 2);
    const stopped = a.stop();
    release();
    await stopped;
    expect(await pendingOf('g')).toBe(0); // not delivered again by another instance
    expect(await redis.exists(livenessKey(log.keys.stream, 'g', 'a'))).toBe(0);
  });

  it('skips an entry it cannot read instead of holding every later event behind it', async () => {
    const handled: number[] = [];
    await follow('a', async (events) => void handled.push(...events.map((e) => e.seq)));
    const [first] = await appendMany(1);
    await redis.xadd(log.keys.stream, `${first + 1}-0`, 'e', '{"seq":"not a number"}');
    await redis.set(log.keys.seq, String(first + 1));
    const later = await appendMany(2);
    await until(() => later.every((seq) => handled.includes(seq)));
    expect(handled).toEqual([first, ...later]);
  });

  it('carries on when Redis loses the stream and its group (restart without persistence, flush)', async () => {
    const handled: number[] = [];
    await follow('a', async (events) => void handled.push(...events.map((e) => e.seq)));
    await appendMany(2);
    await until(() => handled.length >= 2);
    await redis.del(log.keys.stream); // the stream and its consumer group are gone
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await appendMany(3);
    await until(() => after.every((seq) => handled.includes(seq)));
    expect(handled.slice(2)).toEqual(after); // each once, in order
  });
});
