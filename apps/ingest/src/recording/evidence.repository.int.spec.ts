// The clip-request feed against a real Redis: entries that are not clip requests.
import { Redis } from 'ioredis';
import { createLogger } from '@xl/observability';
import { EvidenceRequestStream } from '@xl/queue';
import { clipRequest, testRedisUrl, uniquePrefix } from '@xl/testing';
import { RedisClipRequestFeed } from './evidence.repository';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { lazyConnect: false });
});
beforeEach(() => {
  prefix = `${uniquePrefix('clip-feed')}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

const request = clipRequest;

async function xreadCalls(): Promise<number> {
  const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_xread:'));
  return line ? Number(/calls=(\d+)/.exec(line)![1]) : 0;
}

describe('RedisClipRequestFeed', () => {
  it('gets past 100 entries in a row that are not clip requests, and does not spin on one at the end', async () => {
    const feed = new RedisClipRequestFeed(redis, prefix, createLogger('test', 'silent'));
    const key = new EvidenceRequestStream(redis, { keyPrefix: prefix }).key;
    const received: string[] = [];
    const stop = await feed.follow((r) => received.push(r.alertId));
    try {
      const multi = redis.multi();
      for (let i = 0; i < 100; i++) multi.xadd(key, '*', 'json', 'not json');
      multi.xadd(key, '*', 'json', JSON.stringify(request('a1')));
      await multi.exec();
      const deadline = Date.now() + 3000;
      while (!received.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual(['a1']); // before: the same 100 entries were read again and again

      await redis.xadd(key, '*', 'json', '{"alertId": 1}'); // the newest entry is not a request
      await new Promise((r) => setTimeout(r, 100));
      const before = await xreadCalls();
      await new Promise((r) => setTimeout(r, 1000));
      // Blocked reads (2 s each) from this feed, and whatever else uses this Redis: not thousands a second.
      expect((await xreadCalls()) - before).toBeLessThan(50);
      await redis.xadd(key, '*', 'json', JSON.stringify(request('a2')));
      const until = Date.now() + 3000;
      while (received.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual(['a1', 'a2']);
    } finally {
      await stop();
    }
  });
});
