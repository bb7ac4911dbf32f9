import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { FrameDownloader } from './frame-downloader';
import { FrameStore } from './frame-store';

let redis: Redis;
let prefix: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pattern = (length: number, salt: number) => Buffer.from(Uint8Array.from({ length }, (_, i) => (i * 31 + salt) & 0xff));

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
beforeEach(() => {
  prefix = `${uniquePrefix('download')}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

describe('FrameDownloader', () => {
  it.each([
    ['a 256 KiB read buffer', undefined],
    ['a 7-byte read buffer (headers and CR LF split across reads)', 7],
  ])('GETDELs values byte-exact into the caller’s buffers, many in flight, with %s', async (_, readBufferBytes) => {
    const downloader = new FrameDownloader({ url: testRedisUrl(), readBufferBytes });
    const sizes = readBufferBytes ? [0, 1, 2, 3000, 70_000] : [0, 1, 2, 292 * 1024, 416 * 416 * 3, 1_100_000];
    const values = sizes.map((n, k) => pattern(n, k));
    await Promise.all(values.map((v, k) => redis.set(`${prefix}f${k}`, v)));
    // Targets bigger than the value: the value lands in the first bytes, the rest is untouched.
    const targets = values.map((v) => new Uint8Array(v.length + 5).fill(114));
    const got = await Promise.all(values.map((v, k) => downloader.take(`${prefix}f${k}`, (length) => (expect(length).toBe(v.length), targets[k]))));
    got.forEach((g, k) => {
      expect(g).toBe(targets[k]);
      expect(Buffer.from(g!.subarray(0, values[k].length)).equals(values[k])).toBe(true);
      expect([...g!.subarray(values[k].length)]).toEqual([114, 114, 114, 114, 114]);
    });
    // GETDEL: taken once.
    expect(await downloader.take(`${prefix}f0`, (n) => new Uint8Array(n))).toBeNull();
    expect(await redis.exists(...values.map((_v, k) => `${prefix}f${k}`))).toBe(0);
    await downloader.close();
  });

  it('rejects one take whose target is too small and stays in step for the next ones', async () => {
    const downloader = new FrameDownloader({ url: testRedisUrl() });
    await redis.set(`${prefix}a`, pattern(5000, 1));
    await redis.set(`${prefix}b`, pattern(4000, 2));
    const [a, b] = await Promise.allSettled([downloader.take(`${prefix}a`, () => new Uint8Array(10)), downloader.take(`${prefix}b`, (n) => new Uint8Array(n))]);
    expect(a.status).toBe('rejected');
    expect((a as PromiseRejectedResult).reason.message).toMatch(/10 bytes for a 5000-byte value/);
    expect(b.status === 'fulfilled' && Buffer.from(b.value!).equals(pattern(4000, 2))).toBe(true);
    await downloader.close();
  });

  it('reconnects after its connection was killed, and reports Redis errors', async () => {
    const name = `xl-downloader-${prefix.slice(-9, -1)}`;
    const downloader = new FrameDownloader({ url: testRedisUrl(), name });
    await redis.set(`${prefix}a`, 'one');
    expect(Buffer.from((await downloader.take(`${prefix}a`, (n) => new Uint8Array(n)))!).toString()).toBe('one');
    const list = (await redis.client('LIST')) as string;
    const mine = [...list.matchAll(/id=(\d+) .*name=(\S+)/g)].find((m) => m[2] === name);
    expect(mine).toBeDefined();
    await redis.client('KILL', 'ID', mine![1]);
    await sleep(50);
    await redis.set(`${prefix}b`, 'two');
    expect(Buffer.from((await downloader.take(`${prefix}b`, (n) => new Uint8Array(n)))!).toString()).toBe('two');
    await redis.rpush(`${prefix}list`, 'x');
    await expect(downloader.take(`${prefix}list`, (n) => new Uint8Array(n))).rejects.toThrow(/WRONGTYPE/);
    await downloader.close();
    await expect(downloader.take(`${prefix}b`, (n) => new Uint8Array(n))).rejects.toThrow(/closed/);
  });

  it('backs FrameStore.takeInto; without it takeInto reads through ioredis into the same kind of target', async () => {
    const downloader = new FrameDownloader({ url: testRedisUrl() });
    for (const store of [new FrameStore(redis, { keyPrefix: prefix, downloader }), new FrameStore(redis, { keyPrefix: prefix })]) {
      const frame = pattern(416 * 234 * 3, 9);
      const key = await store.put('cam-d', 1, frame, 5000);
      const target = new Uint8Array(416 * 416 * 3).fill(114);
      expect(await store.takeInto(key, () => target)).toBe(target);
      expect(Buffer.from(target.subarray(0, frame.length)).equals(frame)).toBe(true);
      expect(target[frame.length]).toBe(114);
      expect(await store.takeInto(key, () => target)).toBeNull();
    }
    await downloader.close();
  });
});
