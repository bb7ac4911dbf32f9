import '../testing/nest-esm';
import { Registry } from 'prom-client';
import pino from 'pino';
import { cameraSchema } from '@xl/config';
import type { CamerasRepository } from '../cameras/cameras.repository';
import { ApiMetrics } from '../core/api-metrics';
import { loadSettings } from '../settings';
import { CONFIG_CHECK_MS, ConfigPublisher, serialize } from './config-publisher';

/** Just enough of ioredis for the publisher: a hash, a counter, a channel, and an outage switch. */
class FakeRedis {
  down = false;
  hash = new Map<string, string>();
  revision = 0;
  published: string[] = [];
  deleted: string[] = [];
  /** Outside the transaction: the state keys are in their cameras' cluster slots. */
  async del(key: string) {
    this.check();
    this.deleted.push(key);
    return 1;
  }
  async hkeys() {
    this.check();
    return [...this.hash.keys()];
  }
  multi() {
    const ops: (() => unknown)[] = [];
    const tx = {
      hset: (_key: string, field: string | Record<string, string>, value?: string) => {
        ops.push(() => (typeof field === 'string' ? this.hash.set(field, value!) : Object.entries(field).forEach(([k, v]) => this.hash.set(k, v))));
        return tx;
      },
      hdel: (_key: string, ...fields: string[]) => {
        ops.push(() => fields.forEach((f) => this.hash.delete(f)));
        return tx;
      },
      incr: () => {
        ops.push(() => ++this.revision);
        return tx;
      },
      exec: async () => {
        this.check();
        return ops.map((op) => [null, op()]);
      },
    };
    return tx;
  }
  async exists() {
    this.check();
    return this.revision > 0 ? 1 : 0;
  }
  /** What FLUSHALL or a restart without persistence leaves. */
  flush() {
    this.hash.clear();
    this.revision = 0;
  }
  async publish(_channel: string, message: string) {
    this.check();
    this.published.push(message);
    return 1;
  }
  private check() {
    if (this.down) throw new Error('connect ECONNREFUSED');
  }
}

describe('ConfigPublisher', () => {
  const camera = cameraSchema.parse({ id: 'cam-1', url: 'rtsp://u:pw@h/x' });
  const cameras = { all: async () => [{ config: camera, createdAt: 1, updatedAt: 1 }], get: async () => ({ config: camera, createdAt: 1, updatedAt: 1 }) };

  const publisherOn = (redis: FakeRedis) =>
    new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), pino({ level: 'silent' }), cameras as unknown as CamerasRepository, new ApiMetrics(new Registry()));

  afterEach(() => jest.useRealTimers());

  it("publishes everything but the site: ingest and the analyzer have no use for its people's phone numbers", () => {
    const withSite = cameraSchema.parse({ id: 'cam-1', url: 'rtsp://h/x', site: { address: '东塘', contacts: [{ name: '王', phone: '13800138000' }] } });
    const published = JSON.parse(serialize(withSite));
    expect(published).not.toHaveProperty('site');
    expect(serialize(withSite)).not.toContain('13800138000');
    expect(cameraSchema.parse(published)).toEqual({ ...withSite, site: undefined });
  });

  it('republishes everything once Redis is back after a failed publish', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const publisher = publisherOn(redis);
    redis.hash.set('ghost', '{}');
    redis.down = true;
    await expect(publisher.publishCamera('cam-1')).rejects.toThrow('ECONNREFUSED');
    redis.down = false;
    await jest.advanceTimersByTimeAsync(5000);
    expect([...redis.hash.keys()]).toEqual(['cam-1']);
    expect(JSON.parse(redis.hash.get('cam-1')!)).toMatchObject({ id: 'cam-1', url: 'rtsp://u:pw@h/x' });
    expect(redis.published.map((m) => JSON.parse(m))).toEqual([{ cameraIds: [], revision: 1 }]);
    expect(redis.deleted).toEqual(['xl:state:{ghost}']); // a camera gone from the database leaves no analysis state
    publisher.onModuleDestroy();
  });

  it("removes a deleted camera and its analysis state, so a camera created again under its id starts afresh", async () => {
    const redis = new FakeRedis();
    redis.hash.set('cam-gone', '{}');
    const none = { all: async () => [], get: async () => null };
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32), KEY_PREFIX: 't1:' }), pino({ level: 'silent' }), none as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    await publisher.publishCamera('cam-gone');
    expect([...redis.hash.keys()]).toEqual([]);
    expect(redis.deleted).toEqual(['t1:xl:state:{cam-gone}']);
    expect(redis.published.map((m) => JSON.parse(m))).toEqual([{ cameraIds: ['cam-gone'], revision: 1 }]);
  });

  it('publishes again when Redis has lost the configuration, and only then', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const publisher = publisherOn(redis);
    await publisher.onApplicationBootstrap();
    expect(redis.published).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(CONFIG_CHECK_MS * 3);
    expect(redis.published).toHaveLength(1); // still there: nothing to do
    redis.flush();
    await jest.advanceTimersByTimeAsync(CONFIG_CHECK_MS);
    expect([...redis.hash.keys()]).toEqual(['cam-1']);
    expect(redis.published.map((m) => JSON.parse(m))).toEqual([
      { cameraIds: [], revision: 1 },
      { cameraIds: [], revision: 1 }, // "reload all" for ingest and analyzer
    ]);
    redis.down = true; // an outage is not a loss: no publish attempt counted as one
    await jest.advanceTimersByTimeAsync(CONFIG_CHECK_MS);
    expect(redis.published).toHaveLength(2);
    publisher.onModuleDestroy();
  });
});
