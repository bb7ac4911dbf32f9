import '../testing/nest-esm';
import { Registry } from 'prom-client';
import pino from 'pino';
import { cameraSchema } from '@xl/config';
import type { CamerasRepository } from '../cameras/cameras.repository';
import { ApiMetrics } from '../core/api-metrics';
import { loadSettings } from '../settings';
import { CONFIG_CHECK_MS, ConfigPublisher, serialize, WRITE_IF_LOCKED } from './config-publisher';
import { EXTEND_LOCK, PUBLISH_LOCK_MAX_HOLD_MS, PUBLISH_LOCK_TTL_MS, PUBLISH_LOCK_WAIT_MS, RELEASE_LOCK } from './publish-lock';

/** Just enough of ioredis for the publisher: a hash, a counter, a channel, and an outage switch. */
class FakeRedis {
  down = false;
  hash = new Map<string, string>();
  revision = 0;
  published: string[] = [];
  deleted: string[] = [];
  lock?: { token: string; expiresAt: number };
  /** Renewals of the publish lock that found it held. */
  extended = 0;
  /** Outside the write script: the state keys are in their cameras' cluster slots. */
  async del(key: string) {
    this.check();
    this.deleted.push(key);
    return 1;
  }
  async hkeys() {
    this.check();
    return [...this.hash.keys()];
  }
  /** The publish lock: SET key token PX ms NX. */
  async set(_key: string, token: string, _px: 'PX', ttlMs: number, _nx: 'NX') {
    this.check();
    if (this.lock && this.lock.expiresAt > Date.now()) return null;
    this.lock = { token, expiresAt: Date.now() + ttlMs };
    return 'OK';
  }
  /** The publisher's two scripts, as Redis runs them. */
  async eval(script: string, _numKeys: number, ...keysAndArgs: (string | number)[]) {
    this.check();
    const holds = (token: string) => this.lock !== undefined && this.lock.expiresAt > Date.now() && this.lock.token === token;
    if (script === RELEASE_LOCK) {
      const [, token] = keysAndArgs.map(String);
      if (!holds(token)) return 0;
      this.lock = undefined;
      return 1;
    }
    if (script === EXTEND_LOCK) {
      const [, token, ttlMs] = keysAndArgs.map(String);
      if (!holds(token)) return 0;
      this.lock!.expiresAt = Date.now() + Number(ttlMs);
      this.extended++;
      return 1;
    }
    if (script === WRITE_IF_LOCKED) {
      const [, , , token, sets, ...fields] = keysAndArgs.map(String);
      if (!holds(token)) return null;
      const pairs = fields.slice(0, Number(sets) * 2);
      for (let i = 0; i < pairs.length; i += 2) this.hash.set(pairs[i], pairs[i + 1]);
      for (const id of fields.slice(pairs.length)) this.hash.delete(id);
      return ++this.revision;
    }
    throw new Error('FakeRedis runs no such script');
  }
  async get() {
    this.check();
    return this.revision > 0 ? String(this.revision) : null;
  }
  /** What FLUSHALL or a restart without persistence leaves. */
  flush() {
    this.hash.clear();
    this.revision = 0;
    this.lock = undefined;
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
  const cameras = { all: async () => ({ records: [{ config: camera, createdAt: 1, updatedAt: 1 }], unreadable: [] }), get: async () => ({ config: camera, createdAt: 1, updatedAt: 1 }) };

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
    const none = { all: async () => ({ records: [], unreadable: [] }), get: async () => null };
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

  it('publishes again when Redis lost its last writes (AOF replayed without its last second, a replica promoted behind): the counter is older than what was written', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    let current = camera;
    const editable = { all: async () => ({ records: [{ config: current, createdAt: 1, updatedAt: 1 }], unreadable: [] }), get: async () => ({ config: current, createdAt: 1, updatedAt: 1 }) };
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), pino({ level: 'silent' }), editable as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    await publisher.onApplicationBootstrap(); // revision 1
    const before = { hash: new Map(redis.hash), revision: redis.revision };
    // The pond is drawn: PUT /cameras/cam-1/zones answers 200 once Redis acknowledged it (revision 2) …
    current = cameraSchema.parse({ id: 'cam-1', url: 'rtsp://u:pw@h/x', zones: [{ id: 'pond', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
    await publisher.publishCamera('cam-1');
    expect(redis.revision).toBe(2);
    // … and Redis comes back without that last write.
    redis.hash = before.hash;
    redis.revision = before.revision;
    await jest.advanceTimersByTimeAsync(CONFIG_CHECK_MS);
    expect(JSON.parse(redis.hash.get('cam-1')!).zones.map((z: { id: string }) => z.id)).toEqual(['pond']); // before: [], never republished
    expect(JSON.parse(redis.published.at(-1)!)).toEqual({ cameraIds: [], revision: 2 }); // "reload all"
    await jest.advanceTimersByTimeAsync(CONFIG_CHECK_MS * 3);
    expect(redis.published).toHaveLength(3); // once: the count starts again from what Redis held
    publisher.onModuleDestroy();
  });

  it('gives up waiting for a publish lock another publisher keeps, saying so, and writes nothing', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    redis.lock = { token: 'another-replica', expiresAt: Date.now() + 60_000 };
    const publisher = publisherOn(redis);
    const outcome = expect(publisher.publishCamera('cam-1')).rejects.toThrow(`camera configuration publish lock 'xl:{config}:cameras:publish-lock' still held by another publisher after ${PUBLISH_LOCK_WAIT_MS} ms`);
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_WAIT_MS + 100);
    await outcome;
    expect([...redis.hash.keys()]).toEqual([]);
    expect(redis.published).toEqual([]);
    expect(redis.lock.token).toBe('another-replica'); // not released by a publisher that never held it
    publisher.onModuleDestroy();
  });

  /** A repository whose read of every camera takes `ms` (a PostgreSQL failover, thousands of rows). */
  const slowRead = (ms: number) => ({
    all: () => new Promise((resolve) => setTimeout(() => resolve({ records: [{ config: camera, createdAt: 1, updatedAt: 1 }], unreadable: [] }), ms)),
    get: async () => null,
  });

  it("publishes everything when the database read outlasts the publish lock's TTL: the lock is renewed while the publish runs", async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), pino({ level: 'silent' }), slowRead(PUBLISH_LOCK_TTL_MS * 4) as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    const outcome = publisher.publishAll();
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_TTL_MS * 4 + 100);
    await expect(outcome).resolves.toBeUndefined(); // before: "the publish lock expired", every 5 s again
    expect([...redis.hash.keys()]).toEqual(['cam-1']);
    expect(redis.lock).toBeUndefined(); // released after the write
    const renewals = redis.extended;
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_TTL_MS * 2);
    expect(redis.extended).toBe(renewals); // no renewal once done
    publisher.onModuleDestroy();
  });

  it('writes nothing when a renewal finds the publish lock gone to another publisher, and renews it no more', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), pino({ level: 'silent' }), slowRead(PUBLISH_LOCK_TTL_MS * 2) as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    const outcome = publisher.publishAll();
    const refused = expect(outcome).rejects.toThrow('camera configuration not written: the publish lock expired before the write');
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_TTL_MS / 2);
    // Paused past its TTL (a GC pause, a blocked event loop): another replica took the lock meanwhile.
    redis.lock = { token: 'another-replica', expiresAt: Date.now() + 60_000 };
    const renewals = redis.extended;
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_TTL_MS * 2);
    await refused;
    expect(redis.hash.size).toBe(0);
    expect(redis.extended).toBe(renewals);
    expect(redis.lock.token).toBe('another-replica'); // neither renewed nor released by the one that lost it
    publisher.onModuleDestroy();
  });

  it('stops renewing the lock of a publish stuck past PUBLISH_LOCK_MAX_HOLD_MS, so that the others proceed, and refuses its write', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), pino({ level: 'silent' }), slowRead(PUBLISH_LOCK_MAX_HOLD_MS + PUBLISH_LOCK_TTL_MS * 2) as unknown as CamerasRepository, new ApiMetrics(new Registry()));
    const stuck = publisher.publishAll();
    const refused = expect(stuck).rejects.toThrow('the publish lock expired before the write');
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_MAX_HOLD_MS + PUBLISH_LOCK_TTL_MS + 100);
    expect(redis.lock!.expiresAt).toBeLessThanOrEqual(Date.now()); // expired: another replica may take it
    await jest.advanceTimersByTimeAsync(PUBLISH_LOCK_TTL_MS);
    await refused;
    expect(redis.hash.size).toBe(0);
    publisher.onModuleDestroy();
  });

  it('leaves a camera this release cannot read out of a full publish, keeping its published entry and state, and counts it', async () => {
    const redis = new FakeRedis();
    redis.hash.set('cam-new', '{"id":"cam-new","as":"published by the newer release"}');
    redis.hash.set('cam-gone', '{}');
    const cameras = { all: async () => ({ records: [{ config: camera, createdAt: 1, updatedAt: 1 }], unreadable: [{ id: 'cam-new', problems: ['motion: Unrecognized key: "nightBoost"'] }] }) };
    const registry = new Registry();
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const publisher = new ConfigPublisher(redis as never, loadSettings({ JWT_SECRET: 'x'.repeat(32) }), logger, cameras as unknown as CamerasRepository, new ApiMetrics(registry));
    await publisher.publishAll();
    expect(Object.fromEntries(redis.hash)).toEqual({ 'cam-1': serialize(camera), 'cam-new': '{"id":"cam-new","as":"published by the newer release"}' });
    expect(redis.deleted).toEqual(['xl:state:{cam-gone}']); // not cam-new's: it still exists
    expect(logged).toEqual([expect.objectContaining({ cameraId: 'cam-new', problems: ['motion: Unrecognized key: "nightBoost"'] })]);
    expect(await registry.getSingleMetricAsString('xl_config_unreadable_cameras')).toMatch(/^xl_config_unreadable_cameras 1$/m);
  });
});
