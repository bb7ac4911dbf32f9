import { Redis } from 'ioredis';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { EventFeed, type FeedListener } from './event-feed';
import { RedisEventLog, type LogEvent } from './event-log';
import { deleteKeys, pushEvent } from './testing/push-harness';
import { scopes } from './testing/test-auth';

describe('RedisEventLog and EventFeed (real Redis)', () => {
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('pushlog');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('numbers events contiguously across connections, bounds the backlog and reads after a seq', async () => {
    const other = redis.duplicate();
    const a = new RedisEventLog(redis, prefix, 20);
    const b = new RedisEventLog(other, prefix, 20);
    const appended = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).append(pushEvent(scopes.riverA, { i }))),
    );
    other.disconnect();
    const seqs = appended.map((e) => e.seq).sort((x, y) => x - y);
    expect(new Set(seqs).size).toBe(30);
    expect(seqs[29] - seqs[0]).toBe(29);

    const page = await a.readAfter(0, 100);
    expect(page.head).toBe(seqs[29]);
    expect(page.events.map((e) => e.seq)).toEqual(seqs.slice(10));
    expect(page.oldest).toBe(seqs[10]);
    const tail = await a.readAfter(seqs[25], 2);
    expect(tail.events.map((e) => e.seq)).toEqual([seqs[26], seqs[27]]);
    expect(tail.events[0]).toMatchObject({ type: 'alert.created', scope: scopes.riverA });
  });

  it('logs an alert.created once per alert id; updates and other alerts are logged each time', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const first = await log.append(pushEvent(scopes.riverA, { id: 'alert-1' }));
    const again = await log.append(pushEvent(scopes.riverA, { id: 'alert-1' }));
    const update = await log.append(
      pushEvent(scopes.riverA, { id: 'alert-1', state: 'acknowledged' }, 'alert.updated'),
    );
    const other = await log.append(pushEvent(scopes.riverA, { id: 'alert-2' }));
    expect(first.duplicate).toBeUndefined();
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
    expect(update.seq).toBe(first.seq + 1);
    expect(other.seq).toBe(first.seq + 2);
    expect((await log.readAfter(0, 10)).events.map((e) => e.seq)).toEqual([first.seq, update.seq, other.seq]);
  });

  it('logs the update that raised an alarm once per (alert, alarmedAt); a later alarm of the same alert again', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const raised = (alarmAt: number, extra: Record<string, unknown> = {}) =>
      log.append({ ...pushEvent(scopes.riverA, { id: 'alert-9', alarm: true, alarmedAt: alarmAt, ...extra }, 'alert.updated'), alarmAt });
    const first = await raised(1000);
    const resent = await raised(1000, { state: 'acknowledged' }); // the sweeper's re-push, read later
    const plain = await log.append(pushEvent(scopes.riverA, { id: 'alert-9', alarm: false, alarmedAt: 1000 }, 'alert.updated'));
    expect(await redis.ttl(log.keys.alarm('alert-9', 1000))).toBeGreaterThan(86_400);
    const anew = await raised(2000); // went under again
    expect(resent).toMatchObject({ seq: first.seq, duplicate: true });
    expect([plain.seq, anew.seq]).toEqual([first.seq + 1, first.seq + 2]);
  });

  it('never reuses a sequence number after the counter is lost (Redis flushed or key evicted)', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const first = await log.append(pushEvent(scopes.riverA, {}));
    expect(first.seq).toBeGreaterThanOrEqual(Date.now() - 60_000);
    await redis.del(log.keys.seq);
    const second = await log.append(pushEvent(scopes.riverA, {}));
    expect(second.seq).toBeGreaterThan(first.seq);
    await redis.del(log.keys.seq, log.keys.stream);
    const third = await log.append(pushEvent(scopes.riverA, {}));
    expect(third.seq).toBeGreaterThan(second.seq - 1000);
  });

  it('after Redis rolled back its counter, an instance that saw later seqs never hands them out again', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await log.append(pushEvent(scopes.riverA, { i }))).seq);
    await rollBack(redis, log, 3);
    const next = await log.append(pushEvent(scopes.riverA, { i: 5 }));
    expect(next.seq).toBe(seqs[4] + 1);
    // What was lost with the old primary is a gap in the stream, which readers turn into a resync.
    expect((await log.readAfter(seqs[0], 10)).events.map((e) => e.seq)).toEqual([seqs[1], next.seq]);
  });

  it('feed that finds the log behind what it saw on reconnect raises the counter and asks its clients to resync', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const { subscriber, feed, got, lost } = await startFeed(redis, log);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await log.append(pushEvent(scopes.riverA, { i }))).seq);
    await waitUntil(() => got.length === 5);

    const ready = new Promise((resolve) => subscriber.once('ready', resolve));
    subscriber.disconnect(true);
    await rollBack(redis, log, 3);
    await ready;
    await waitUntil(() => lost.length === 1);
    expect(lost).toEqual([[seqs[1] + 1, seqs[4]]]);
    // Another instance that saw nothing (it started after the failover) publishes: above what clients saw.
    const fresh = await new RedisEventLog(redis, prefix, 100).append(pushEvent(scopes.riverA, { i: 5 }));
    expect(fresh.seq).toBe(seqs[4] + 1);
    await waitUntil(() => got.length === 6);
    expect(got[5]).toBe(fresh.seq);
    await feed.stop();
    subscriber.disconnect();
  });

  it('feed hands on every event in order once, filling what pub/sub missed during a reconnect', async () => {
    const log = new RedisEventLog(redis, prefix, 1000);
    const subscriber = redis.duplicate();
    const feed = new EventFeed(subscriber, log, createLogger('test', 'silent'), { pageSize: 3 });
    const got: LogEvent[] = [];
    const lost: [number, number][] = [];
    const listener: FeedListener = { onEvent: (e) => got.push(e), onLost: (from, to) => lost.push([from, to]) };
    feed.add(listener);
    await feed.start();
    const before = await log.append(pushEvent(scopes.riverA, { n: 0 }));
    await waitUntil(() => got.length === 1);

    const ready = new Promise((resolve) => subscriber.once('ready', resolve));
    subscriber.disconnect(true);
    const missed: number[] = [];
    for (let i = 1; i <= 10; i++) missed.push((await log.append(pushEvent(scopes.riverA, { n: i }))).seq);
    await ready;
    await waitUntil(() => got.length === 11);
    const after = await log.append(pushEvent(scopes.riverA, { n: 11 }));
    await waitUntil(() => got.length === 12);

    expect(got.map((e) => e.seq)).toEqual([before.seq, ...missed, after.seq]);
    expect(lost).toEqual([]);
    await feed.stop();
    subscriber.disconnect();
  });

  it('feed reports events that fell out of the backlog before it could fetch them, then goes on', async () => {
    const log = new RedisEventLog(redis, prefix, 10);
    const { subscriber, feed, got, lost } = await startFeed(redis, log);
    const start = (await log.append(pushEvent(scopes.riverA, {}))).seq;
    await waitUntil(() => got.length === 1);
    await subscriber.unsubscribe(log.channel);
    for (let i = 0; i < 25; i++) await log.append(pushEvent(scopes.riverA, {}));
    await subscriber.subscribe(log.channel);
    const next = (await log.append(pushEvent(scopes.riverA, {}))).seq;
    await waitUntil(() => got.includes(next));
    // start+1 .. start+16 were trimmed (10 kept: start+16 .. start+25, plus next = start+26).
    expect(lost).toEqual([[start + 1, start + 16]]);
    expect(got).toEqual([start, ...Array.from({ length: 10 }, (_, i) => start + 17 + i)]);
    await feed.stop();
    subscriber.disconnect();
  });

  it('skips an unparsable backlog entry: reads go on, the feed reports its seq lost and hands on later events', async () => {
    const log = new RedisEventLog(redis, prefix, 100);
    const { subscriber, feed, got, lost } = await startFeed(redis, log);
    const first = await log.append(pushEvent(scopes.riverA, { n: 1 }));
    // A hand-made XADD while debugging, or a release that writes another format: no reader can parse it.
    const bad = await redis.incr(log.keys.seq);
    await redis.xadd(log.keys.stream, `${bad}-0`, 'e', '{"seq":');
    const later = await log.append(pushEvent(scopes.riverA, { n: 2 }));
    const page = await log.readAfter(first.seq - 1, 10);
    expect(page.events.map((e) => e.seq)).toEqual([first.seq, later.seq]);
    expect(page.skipped).toEqual([bad]);
    await waitUntil(() => got.includes(later.seq));
    expect(got).toEqual([first.seq, later.seq]);
    expect(lost).toEqual([[bad, bad]]);
    await feed.stop();
    subscriber.disconnect();
  });
});

/** A started feed on its own subscriber connection, recording the seqs it hands on and reports lost. */
async function startFeed(redis: Redis, log: RedisEventLog) {
  const subscriber = redis.duplicate();
  const feed = new EventFeed(subscriber, log, createLogger('test', 'silent'));
  const got: number[] = [];
  const lost: [number, number][] = [];
  feed.add({ onEvent: (e) => got.push(e.seq), onLost: (from, to) => lost.push([from, to]) });
  await feed.start();
  return { subscriber, feed, got, lost };
}

/** What a failover to a replica `events` INCR/XADDs behind leaves: counter and stream both older. */
async function rollBack(redis: Redis, log: RedisEventLog, events: number): Promise<void> {
  const head = Number(await redis.get(log.keys.seq));
  await redis.set(log.keys.seq, String(head - events));
  for (let i = 0; i < events; i++) await redis.xdel(log.keys.stream, `${head - i}-0`);
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
