import { Redis } from 'ioredis';
import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { IngestStatusFollower, type IngestStatusFollowerOptions } from './ingest-status.follower';

describe('IngestStatusFollower (real Redis)', () => {
  const redis = new Redis(testRedisUrl());
  const keys: string[] = [];
  const newKey = () => {
    const key = `${uniquePrefix('follower')}:xl:camera-status`;
    keys.push(key);
    return key;
  };
  const entry = (cameraId: string, status: string, reason?: string) => JSON.stringify({ cameraId, status, reason, at: Date.now(), ingestId: 'i' });
  const add = (key: string, cameraId: string, status: string, reason?: string) => redis.xadd(key, '*', 'event', entry(cameraId, status, reason));
  const label = (e: CameraStatusEvent) => `${e.cameraId} ${e.status}${e.reason ? ` ${e.reason}` : ''}`;

  /** Starts a follower on `key`, runs `body` with what it handed on so far, stops it. */
  async function following(key: string, options: Partial<IngestStatusFollowerOptions>, body: (seen: string[]) => Promise<void>): Promise<void> {
    const seen: string[] = [];
    const follower = new IngestStatusFollower(redis, key, (e) => seen.push(label(e)), createLogger('test', 'silent'), { blockMs: 200, ...options });
    follower.start();
    try {
      await body(seen);
    } finally {
      await follower.stop();
    }
  }
  const handedOn = async (seen: string[], count: number) => {
    for (const deadline = Date.now() + 5000; seen.length < count && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  };

  afterAll(async () => {
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it("starts from each camera's newest entry, oldest first, then hands on every new one", async () => {
    const key = newKey();
    await add(key, 'a', 'offline', 'busy');
    await add(key, 'b', 'offline', 'busy');
    await add(key, 'a', 'recovered');
    await following(key, { seedPageEntries: 100 }, async (seen) => {
      await handedOn(seen, 2);
      expect(seen).toEqual(['b offline busy', 'a recovered']);
      await add(key, 'c', 'offline', 'busy');
      await add(key, 'b', 'online');
      await handedOn(seen, 4);
      expect(seen).toEqual(['b offline busy', 'a recovered', 'c offline busy', 'b online']);
    });
  });

  it("finds a camera's busy refusal however many other cameras' entries came since (ingest reports it once)", async () => {
    const key = newKey();
    await add(key, 'cam-x', 'offline', 'busy');
    const others = redis.pipeline();
    for (let i = 0; i < 1001; i++) others.xadd(key, '*', 'event', entry(`cam-${i % 10}`, i % 2 ? 'online' : 'offline', i % 2 ? undefined : 'timeout'));
    await others.exec();
    await following(key, {}, async (seen) => {
      await handedOn(seen, 11);
      expect(seen[0]).toBe('cam-x offline busy');
      expect(seen.slice(1).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `cam-${i} ${i % 2 ? 'online' : 'offline timeout'}`).sort());
    });
  });

  it('pages through the stream without skipping or repeating an entry at a page boundary', async () => {
    const key = newKey();
    await add(key, 'a', 'offline', 'busy');
    await add(key, 'b', 'offline', 'busy');
    await add(key, 'a', 'recovered');
    await add(key, 'c', 'offline', 'busy');
    await add(key, 'd', 'offline', 'busy');
    await add(key, 'c', 'online');
    await following(key, { seedPageEntries: 2 }, async (seen) => {
      await handedOn(seen, 4);
      expect(seen).toEqual(['b offline busy', 'a recovered', 'd offline busy', 'c online']);
      await add(key, 'e', 'offline', 'busy');
      await handedOn(seen, 5);
      await new Promise((r) => setTimeout(r, 300)); // one more read: nothing handed on twice
      expect(seen).toEqual(['b offline busy', 'a recovered', 'd offline busy', 'c online', 'e offline busy']);
    });
  });

  it('starts a camera the stream no longer holds from its stored status; the stream wins for the others', async () => {
    const key = newKey();
    await add(key, 'a', 'recovered');
    const stored = (cameraId: string): CameraStatusEvent => ({ cameraId, status: 'offline', reason: 'busy', at: 1, ingestId: 'i' });
    await following(key, { storedStatuses: async () => [stored('a'), stored('trimmed')] }, async (seen) => {
      await handedOn(seen, 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual(['trimmed offline busy', 'a recovered']);
    });
  });

  it('with an empty stream still hands on the stored statuses, then every new entry', async () => {
    const key = newKey();
    const stored: CameraStatusEvent = { cameraId: 'pond', status: 'offline', reason: 'busy', at: 1, ingestId: 'i' };
    await following(key, { storedStatuses: async () => [stored] }, async (seen) => {
      await handedOn(seen, 1);
      expect(seen).toEqual(['pond offline busy']);
      await add(key, 'pond', 'recovered');
      await handedOn(seen, 2);
      expect(seen).toEqual(['pond offline busy', 'pond recovered']);
    });
  });

  it('retries the seed when the stored statuses cannot be read, handing on nothing before', async () => {
    const key = newKey();
    await add(key, 'a', 'offline', 'busy');
    let reads = 0;
    const storedStatuses = async (): Promise<CameraStatusEvent[]> => {
      if (++reads === 1) throw new Error('database unreachable');
      return [{ cameraId: 'trimmed', status: 'offline', reason: 'busy', at: 1, ingestId: 'i' }];
    };
    await following(key, { storedStatuses }, async (seen) => {
      await handedOn(seen, 2);
      expect(reads).toBe(2);
      expect(seen).toEqual(['trimmed offline busy', 'a offline busy']);
    });
  });
});
