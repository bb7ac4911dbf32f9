import '../testing/nest-esm';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { cameraSchema } from '@xl/config';
import type { CameraRecord, CamerasRepository } from '../cameras/cameras.repository';
import { ApiMetrics } from '../core/api-metrics';
import { loadSettings } from '../settings';
import { ConfigPublisher } from './config-publisher';
import { PUBLISH_LOCK_TTL_MS } from './publish-lock';

// Two API replicas publishing to one real Redis from one database (a map, shared): a publish that
// read the database before a change must not land after the change's own publish.

/** Holds a replica between its database read and its Redis write until released. */
function pauseAfterRead() {
  let reached!: () => void;
  let release!: () => void;
  const reachedRead = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    reachedRead,
    release,
    hold: async () => {
      reached();
      await released;
    },
  };
}

describe('ConfigPublisher on two replicas', () => {
  const redis = new Redis('redis://127.0.0.1:6379');
  const settings = loadSettings({ JWT_SECRET: 'x'.repeat(32), KEY_PREFIX: `t-publish-${randomUUID()}:` });
  const rows = new Map<string, CameraRecord>();
  const publishers: ConfigPublisher[] = [];

  /** A replica; reads from `rows`, paused after each read while `pause` is given. */
  const replica = (pause?: ReturnType<typeof pauseAfterRead>) => {
    const cameras = {
      all: async () => {
        const snapshot = [...rows.values()];
        await pause?.hold();
        return { records: snapshot, unreadable: [] };
      },
      get: async (id: string) => {
        const row = rows.get(id);
        await pause?.hold();
        return row;
      },
    };
    const publisher = new ConfigPublisher(redis as never, settings, pino({ level: 'silent' }), cameras as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    publishers.push(publisher);
    return publisher;
  };
  const save = (config: Record<string, unknown> & { id: string }) => rows.set(config.id, { config: cameraSchema.parse(config), createdAt: 1, updatedAt: 1 });
  const published = async (publisher: ConfigPublisher, cameraId: string) => JSON.parse((await redis.hget(publisher.hashKey, cameraId)) ?? 'null');
  /** Long enough for a publish that does not wait for the paused one to have finished. */
  const meanwhile = () => new Promise((resolve) => setTimeout(resolve, 200));
  const pond = { id: 'pond', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] };

  beforeEach(() => {
    rows.clear();
    save({ id: 'cam-1', url: 'rtsp://10.0.0.1/x' });
    save({ id: 'cam-2', url: 'rtsp://10.0.0.2/x' });
  });

  afterEach(async () => {
    for (const publisher of publishers.splice(0)) publisher.onModuleDestroy();
    const keys = await redis.keys(`${settings.redisKeyPrefix}*`);
    if (keys.length) await redis.del(...keys);
  });

  afterAll(() => redis.disconnect());

  it("does not write back a camera deleted while a full publish was between its database read and its write", async () => {
    const pause = pauseAfterRead();
    const starting = replica(pause);
    const full = starting.publishAll();
    await pause.reachedRead; // it read cam-1

    rows.delete('cam-1'); // DELETE /cameras/cam-1 on the other replica
    const deletion = replica().publishCamera('cam-1');
    await meanwhile();
    pause.release();
    await Promise.all([full, deletion]);

    expect(await redis.hkeys(starting.hashKey)).toEqual(['cam-2']);
  });

  it('does not write an older row over an edit published while a full publish was between its read and its write', async () => {
    const pause = pauseAfterRead();
    const starting = replica(pause);
    const full = starting.publishAll();
    await pause.reachedRead; // it read cam-1 without a zone

    save({ id: 'cam-1', url: 'rtsp://10.0.0.1/x', zones: [pond] }); // the pond is drawn on the other replica
    const edit = replica().publishCamera('cam-1');
    await meanwhile();
    pause.release();
    await Promise.all([full, edit]);

    expect((await published(starting, 'cam-1')).zones).toEqual([pond]);
  });

  it("keeps one camera's publishes from two replicas in the order of its edits", async () => {
    const pause = pauseAfterRead();
    const slow = replica(pause);
    const first = slow.publishCamera('cam-1');
    await pause.reachedRead; // it read cam-1 without a zone

    save({ id: 'cam-1', url: 'rtsp://10.0.0.1/x', zones: [pond] });
    const second = replica().publishCamera('cam-1');
    await meanwhile();
    pause.release();
    await Promise.all([first, second]);

    expect((await published(slow, 'cam-1')).zones).toEqual([pond]);
  });

  it('refuses the write of a publisher whose lock expired while it was paused: newer rows may have been published since', async () => {
    const pause = pauseAfterRead();
    const paused = replica(pause);
    const stale = paused.publishAll();
    await pause.reachedRead;
    await redis.del(paused.lockKey); // what its expiry does, without waiting PUBLISH_LOCK_TTL_MS

    save({ id: 'cam-1', url: 'rtsp://10.0.0.1/x', zones: [pond] });
    await replica().publishCamera('cam-1'); // the lock is free: it does not wait
    pause.release();
    await expect(stale).rejects.toThrow('the publish lock expired before the write');

    expect((await published(paused, 'cam-1')).zones).toEqual([pond]);
    expect(await redis.hkeys(paused.hashKey)).toEqual(['cam-1']); // cam-2 is not published yet: its retry will
  });

  it("publishes everything when its database read outlasts the lock's TTL, holding the lock all along", async () => {
    const pause = pauseAfterRead();
    const slow = replica(pause);
    const full = slow.publishAll();
    await pause.reachedRead;
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_LOCK_TTL_MS + 1000)); // a PostgreSQL failover
    expect(await redis.pttl(slow.lockKey)).toBeGreaterThan(PUBLISH_LOCK_TTL_MS / 2); // renewed, not expiring
    pause.release();
    await expect(full).resolves.toBeUndefined(); // before: "the publish lock expired"
    expect((await redis.hkeys(slow.hashKey)).sort()).toEqual(['cam-1', 'cam-2']);
    expect(await redis.exists(slow.lockKey)).toBe(0);
  }, 15_000);

  it('publishes once the lock of a replica that died holding it has expired', async () => {
    const publisher = replica();
    await redis.set(publisher.lockKey, 'a-replica-that-died', 'PX', 300);
    const started = Date.now();
    await publisher.publishCamera('cam-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await published(publisher, 'cam-1')).url).toBe('rtsp://10.0.0.1/x');
    expect(await redis.exists(publisher.lockKey)).toBe(0); // released after the write
  });
});
