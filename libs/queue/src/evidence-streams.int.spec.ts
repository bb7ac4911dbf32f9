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
});
