import { Redis } from 'ioredis';
import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { IngestStatusFollower } from './ingest-status.follower';

describe('IngestStatusFollower (real Redis)', () => {
  const redis = new Redis(testRedisUrl());
  const key = `${uniquePrefix('follower')}:xl:camera-status`;
  const add = (cameraId: string, status: string, reason?: string) => redis.xadd(key, '*', 'event', JSON.stringify({ cameraId, status, reason, at: Date.now(), ingestId: 'i' }));

  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it("starts from each camera's newest entry, oldest first, then hands on every new one", async () => {
    await add('a', 'offline', 'busy');
    await add('b', 'offline', 'busy');
    await add('a', 'recovered');
    const seen: string[] = [];
    const follower = new IngestStatusFollower(redis, key, (e: CameraStatusEvent) => seen.push(`${e.cameraId} ${e.status}${e.reason ? ` ${e.reason}` : ''}`), createLogger('test', 'silent'), { blockMs: 200, seedEntries: 100 });
    follower.start();
    try {
      for (const deadline = Date.now() + 5000; seen.length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['b offline busy', 'a recovered']);
      await add('c', 'offline', 'busy');
      await add('b', 'online');
      for (const deadline = Date.now() + 5000; seen.length < 4 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(['b offline busy', 'a recovered', 'c offline busy', 'b online']);
    } finally {
      await follower.stop();
    }
  });
});
