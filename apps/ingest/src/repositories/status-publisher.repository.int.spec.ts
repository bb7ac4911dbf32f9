// RedisStatusPublisher against a real Redis: a camera's events in one MULTI, read back as alerts-api reads them.
import { Redis } from 'ioredis';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';
import { CameraStatusStream } from '@xl/queue';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { RedisStatusPublisher } from './status-publisher.repository';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { lazyConnect: false });
});
beforeEach(() => {
  prefix = `${uniquePrefix('status-publisher')}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

const ev = (status: CameraStatusEvent['status'], at: number): CameraStatusEvent => ({ cameraId: 'pond', status, at, ingestId: 'ingest-a', ...(status === 'offline' ? { reason: 'timeout' } : {}) });

describe('RedisStatusPublisher', () => {
  it("appends a camera's events in order, in one MULTI, one event as a plain XADD", async () => {
    const publisher = new RedisStatusPublisher(redis, { keyPrefix: prefix });
    await publisher.publish([ev('online', 1)]);
    const multi = jest.spyOn(redis, 'multi');
    await publisher.publish([ev('offline', 1_000), ev('recovered', 9_000), ev('offline', 20_000)]);
    expect(multi).toHaveBeenCalledTimes(1);
    multi.mockRestore();
    const entries = await new CameraStatusStream(redis, { keyPrefix: prefix }).read('0');
    expect(entries.map((e) => [e.event.status, e.event.at])).toEqual([
      ['online', 1],
      ['offline', 1_000],
      ['recovered', 9_000],
      ['offline', 20_000],
    ]);
  });

  it('rejects when an append of the MULTI failed (the outbox keeps the events and tries again)', async () => {
    const publisher = new RedisStatusPublisher(redis, { keyPrefix: prefix });
    await redis.set(`${prefix}${CAMERA_STATUS_STREAM}`, 'not a stream'); // every XADD fails (WRONGTYPE)
    await expect(publisher.publish([ev('offline', 1_000), ev('recovered', 9_000)])).rejects.toThrow(/WRONGTYPE/);
  });
});
