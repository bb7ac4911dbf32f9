// The evidence streams against a real Redis: entries that are not values of the stream's type.
import { Redis } from 'ioredis';
import { clipRequest, testRedisUrl, uniquePrefix } from '@xl/testing';
import { EvidenceRequestStream, EvidenceResultStream } from './index';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { lazyConnect: false });
});
beforeEach(() => {
  prefix = `${uniquePrefix('evidence')}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

const request = clipRequest;

describe('evidence streams', () => {
  it('reads past entries that are not values of its type, and says how far it got', async () => {
    const stream = new EvidenceRequestStream(redis, { keyPrefix: prefix });
    const good = await stream.publish(request('a1'));
    const notJson = await redis.xadd(stream.key, '*', 'json', '{bad');
    const otherField = await redis.xadd(stream.key, '*', 'event', JSON.stringify(request('a2')));
    const wrongShape = await redis.xadd(stream.key, '*', 'json', JSON.stringify({ alertId: 'a3', cameraId: 'pond' }));
    const page = await stream.read('0');
    expect(page.items).toEqual([{ id: good, value: request('a1') }]);
    expect(page.skipped).toEqual([notJson, otherField, wrongShape]);
    expect(page.lastId).toBe(wrongShape); // the last entry read, though it is not a request
    expect(await stream.read(page.lastId!)).toEqual({ items: [], lastId: null, skipped: [] });
    expect((await stream.since(0)).map((item) => item.value.alertId)).toEqual(['a1']);
  });

  it('gets past 100 entries in a row that are not values, one page at a time', async () => {
    const stream = new EvidenceResultStream(redis, { keyPrefix: prefix });
    const multi = redis.multi();
    for (let i = 0; i < 150; i++) multi.xadd(stream.key, '*', 'json', 'not json');
    await multi.exec();
    const result = { alertId: 'a1', cameraId: 'pond', status: 'complete', requestedFrom: 1, requestedTo: 2, bytes: 10, ingestId: 'i', at: 3 } as const;
    const good = await stream.publish(result);
    let after = '0';
    const values = [];
    for (let pages = 0; pages < 3; pages++) {
      const page = await stream.read(after, { count: 100 });
      values.push(...page.items);
      after = page.lastId ?? after;
    }
    expect(values).toEqual([{ id: good, value: result }]);
  });

  it('since() reads every value of the window, page by page: a take-over on a large site gets the newest too', async () => {
    const stream = new EvidenceRequestStream(redis, { keyPrefix: prefix });
    const multi = redis.multi();
    for (let i = 0; i < 1_500; i++) multi.xadd(stream.key, '*', 'json', JSON.stringify(request(`a${i}`)));
    await multi.exec();
    const all = await stream.since(0);
    expect(all).toHaveLength(1_500); // before: the oldest 1 000
    expect(all.at(-1)?.value.alertId).toBe('a1499');
  });

  it('since() pages past pages of entries that are not values, and leaves out what is older than the window', async () => {
    const stream = new EvidenceRequestStream(redis, { keyPrefix: prefix });
    await redis.xadd(stream.key, '1000-0', 'json', JSON.stringify(request('old')));
    await redis.xadd(stream.key, '2000-0', 'json', JSON.stringify(request('a1')));
    await redis.xadd(stream.key, '2000-1', 'json', 'not json');
    await redis.xadd(stream.key, '2001-0', 'json', 'not json');
    await redis.xadd(stream.key, '2002-0', 'json', JSON.stringify(request('a2')));
    await redis.xadd(stream.key, '2002-1', 'json', JSON.stringify(request('a3')));
    expect((await stream.since(2000, 2)).map((item) => item.value.alertId)).toEqual(['a1', 'a2', 'a3']);
  });

  it("carries a result's recorded time (durationMs), and still reads results of older ingests without it", async () => {
    const stream = new EvidenceResultStream(redis, { keyPrefix: prefix });
    const older = { alertId: 'a1', cameraId: 'pond', status: 'complete', clipFrom: 0, clipTo: 20_000, requestedFrom: 0, requestedTo: 20_000, bytes: 10, ingestId: 'i', at: 3 } as const;
    const withHoles = { ...older, alertId: 'a2', status: 'truncated', reason: 'camera_offline', durationMs: 16_000 } as const;
    await stream.publish(older);
    await stream.publish(withHoles);
    expect((await stream.read('0')).items.map((item) => item.value)).toEqual([older, withHoles]); // before: durationMs dropped
    await redis.xadd(stream.key, '*', 'json', JSON.stringify({ ...older, alertId: 'a3', durationMs: -1 }));
    expect((await stream.read('0')).skipped).toHaveLength(1);
  });
});
