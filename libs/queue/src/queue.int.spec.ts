// The Redis adapters against a real Redis, each test under its own key prefix.
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { parseCamera } from '@xl/config';
import type { CameraStatusEvent, ConfigChangedMessage, FrameJob } from '@xl/contracts';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { CameraConfigStore, CameraStatusStream, FrameStore, FramesQueue, FrameUploader, HotMarks, InflightGate } from './index';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl(), { lazyConnect: false });
});
beforeEach(() => {
  prefix = `${uniquePrefix('queue')}:`;
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `done` holds; fails after `timeoutMs` (a loaded CI host can be slow, never this slow). */
async function waitUntil(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe('FrameStore', () => {
  it('stores bytes with a TTL and hands them out once', async () => {
    const store = new FrameStore(redis, { keyPrefix: prefix });
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const key = await store.put('cam-1', 7, data, 5000);
    expect(key).toBe(`${prefix}xl:frame:{cam-1}:7`);
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(4000);
    expect(ttl).toBeLessThanOrEqual(5000);
    const back = await store.take(key);
    expect(back && Buffer.compare(back, Buffer.from(data))).toBe(0);
    expect(await store.take(key)).toBeNull();
  });

  it('drops a frame unread', async () => {
    const store = new FrameStore(redis, { keyPrefix: prefix });
    const key = await store.put('cam-1', 9, new Uint8Array(10), 5000);
    await store.drop(key);
    expect(await redis.exists(key)).toBe(0);
    await store.drop(key); // already gone: nothing
  });

  it('lets an untaken frame expire', async () => {
    const store = new FrameStore(redis, { keyPrefix: prefix });
    const key = await store.put('cam-1', 8, new Uint8Array(10), 50);
    await sleep(120);
    expect(await store.take(key)).toBeNull();
  });
});

describe('FrameUploader', () => {
  it('writes frames byte-exact with their TTL, many in flight at once, readable through FrameStore', async () => {
    const uploader = new FrameUploader({ url: testRedisUrl() });
    const store = new FrameStore(redis, { keyPrefix: prefix, uploader });
    const frames = Array.from({ length: 8 }, (_, k) => Buffer.from(Uint8Array.from({ length: 416 * 416 * 3 }, (_, i) => (i * 13 + k) & 0xff)));
    const keys = await Promise.all(frames.map((f, k) => store.put('cam-u', k, f, 4000)));
    for (let k = 0; k < frames.length; k++) {
      expect((await store.take(keys[k]))!.equals(frames[k])).toBe(true);
    }
    // Written with its TTL: a long one read back (no stall of the test can outlast it), then 1 ms, gone.
    await store.put('cam-u', 99, Buffer.from('x'), 60_000);
    const ttl = await redis.pttl(store.keyOf('cam-u', 99));
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.put('cam-u', 99, Buffer.from('x'), 1);
    await sleep(20);
    expect(await store.take(store.keyOf('cam-u', 99))).toBeNull();
    await uploader.close();
  });

  it('reconnects after its connection was killed, and reports Redis errors', async () => {
    const name = `xl-uploader-${prefix.slice(-9, -1)}`;
    const uploader = new FrameUploader({ url: testRedisUrl(), name });
    await uploader.set(`${prefix}a`, Buffer.from('1'), 5000);
    const list = (await redis.client('LIST')) as string;
    const id = /id=(\d+) .*name=(\S+)/g;
    const mine = [...list.matchAll(id)].find((m) => m[2] === name);
    expect(mine).toBeDefined();
    await redis.client('KILL', 'ID', mine![1]);
    await sleep(50);
    await uploader.set(`${prefix}b`, Buffer.from('2'), 5000);
    expect(await redis.get(`${prefix}b`)).toBe('2');
    await expect(uploader.set(`${prefix}c`, Buffer.from('3'), -5)).resolves.toBeUndefined(); // ttl clamped to 1 ms
    await uploader.close();
    await expect(uploader.set(`${prefix}d`, Buffer.from('4'), 5000)).rejects.toThrow(/closed/);
  });

  it('fails clearly on a bad password or an unreachable server', async () => {
    const url = new URL(testRedisUrl());
    url.password = 'not-the-password';
    const wrong = new FrameUploader({ url: url.toString() });
    await expect(wrong.set(`${prefix}x`, Buffer.from('1'), 1000)).rejects.toThrow(/redis setup failed/);
    const nowhere = new FrameUploader({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 1000 });
    await expect(nowhere.set(`${prefix}x`, Buffer.from('1'), 1000)).rejects.toThrow(/ECONNREFUSED/);
    expect(() => new FrameUploader({ url: 'http://127.0.0.1:6379' })).toThrow(/http: URLs are not supported/);
  });
});

describe('InflightGate', () => {
  it('admits one holder until released or expired', async () => {
    const gate = new InflightGate(redis, { keyPrefix: prefix });
    expect(await gate.tryAcquire('cam-1', 'frame-a', 5000)).toBe(true);
    expect(await gate.tryAcquire('cam-1', 'frame-b', 5000)).toBe(false);
    expect(await gate.holder('cam-1')).toBe('frame-a');
    expect(await gate.tryAcquire('cam-2', 'frame-c', 5000)).toBe(true); // per camera
    expect(await gate.release('cam-1')).toBe(true);
    expect(await gate.tryAcquire('cam-1', 'frame-b', 60)).toBe(true);
    await sleep(120);
    expect(await gate.tryAcquire('cam-1', 'frame-d', 5000)).toBe(true);
  });

  it('releases by holder only when that holder still has the gate', async () => {
    const gate = new InflightGate(redis, { keyPrefix: prefix });
    await gate.tryAcquire('cam-1', 'new-frame', 5000);
    expect(await gate.release('cam-1', 'old-frame')).toBe(false);
    expect(await gate.holder('cam-1')).toBe('new-frame');
    expect(await gate.release('cam-1', 'new-frame')).toBe(true);
    expect(await gate.holder('cam-1')).toBeNull();
  });
});

describe('HotMarks', () => {
  it('marks a camera hot for a while', async () => {
    const hot = new HotMarks(redis, { keyPrefix: prefix });
    expect(await hot.isHot('cam-1')).toBe(false);
    // Hot with the TTL asked for: a long one read back (no stall of the test can outlast it), then 1 ms, cold.
    await hot.mark('cam-1', 60_000);
    expect(await hot.isHot('cam-1')).toBe(true);
    const ttl = await redis.pttl(hot.keyOf('cam-1'));
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await hot.mark('cam-1', 1);
    await sleep(20);
    expect(await hot.isHot('cam-1')).toBe(false);
    await hot.mark('cam-1', 5000);
    await hot.clear('cam-1');
    expect(await hot.isHot('cam-1')).toBe(false);
  });
});

describe('CameraStatusStream', () => {
  it('appends events and lets a consumer continue from its last id', async () => {
    const stream = new CameraStatusStream(redis, { keyPrefix: prefix, maxLen: 100 });
    const ev = (status: CameraStatusEvent['status'], at: number): CameraStatusEvent => ({
      cameraId: 'cam-1',
      status,
      at,
      ingestId: 'ingest-a',
      ...(status === 'offline' ? { reason: 'refused' as const, detail: 'Connection refused' } : {}),
    });
    await stream.publish(ev('online', 1));
    const firstTwo = await stream.read('0');
    expect(firstTwo.map((e) => e.event.status)).toEqual(['online']);
    await stream.publish(ev('offline', 2));
    await stream.publish(ev('recovered', 3));
    const rest = await stream.read(firstTwo[0].id);
    expect(rest.map((e) => e.event)).toEqual([ev('offline', 2), ev('recovered', 3)]);
    // the entry layout alerts-api parses: one field holding the JSON event
    const raw = await redis.xrange(stream.key, '-', '+');
    expect(raw[0][1]).toEqual(['event', JSON.stringify(ev('online', 1))]);
  });

  it('waits for new entries with blockMs', async () => {
    const stream = new CameraStatusStream(redis, { keyPrefix: prefix });
    // Named, so that the test can see the server holding its XREAD before publishing: '$' skips an
    // entry added before the command arrives.
    const name = `xl-blocked-${prefix.slice(-9, -1)}`;
    const reader = redis.duplicate({ connectionName: name });
    try {
      await reader.ping();
      const blocking = new CameraStatusStream(reader, { keyPrefix: prefix });
      const pending = blocking.read('$', { blockMs: 15_000 });
      pending.catch(() => undefined); // awaited below; rejects only when the wait before it failed
      await waitUntil('the reader blocked in XREAD', async () => {
        const line = String(await redis.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(` name=${name} `));
        return !!line && / flags=\S*b/.test(line) && / cmd=xread /.test(line);
      });
      await stream.publish({ cameraId: 'c', status: 'online', at: 5, ingestId: 'x' });
      expect((await pending).map((e) => e.event.at)).toEqual([5]);
    } finally {
      reader.disconnect(); // not QUIT: it would queue behind an XREAD still blocked after a failure
    }
  });
});

describe('CameraConfigStore', () => {
  const cam = (id: string, fps = 2) => parseCamera({ id, url: `rtsp://u:p@127.0.0.1/${id}`, fps });

  it('publishes, loads, announces only real changes and follows them', async () => {
    const store = new CameraConfigStore(redis, { keyPrefix: prefix });
    const messages: ConfigChangedMessage[] = [];
    const sub = await store.subscribe((m) => messages.push(m));
    expect(await store.publish([cam('a'), cam('b')])).toEqual({ cameraIds: ['a', 'b'], revision: 1 });
    expect(await store.publish([cam('a'), cam('b')])).toBeNull();
    expect(await store.publish([cam('a', 5)])).toEqual({ cameraIds: ['a', 'b'], revision: 2 });
    const loaded = await store.load();
    expect(loaded.errors).toEqual([]);
    expect(loaded.cameras.map((c) => [c.id, c.fps])).toEqual([['a', 5]]);
    expect((await store.loadSome(['a', 'b'])).cameras.map((c) => c.id)).toEqual(['a']);
    expect(await store.revision()).toBe(2);
    await waitUntil('two change messages', () => messages.length >= 2);
    expect(messages).toEqual([
      { cameraIds: ['a', 'b'], revision: 1 },
      { cameraIds: ['a', 'b'], revision: 2 },
    ]);
    await sub.close();
  });

  it('reports invalid published entries and keeps the valid ones', async () => {
    const store = new CameraConfigStore(redis, { keyPrefix: prefix });
    await store.publish([cam('good')]);
    await redis.hset(store.hashKey, 'bad', JSON.stringify({ id: 'bad', url: 'http://x/' }));
    const loaded = await store.load();
    expect(loaded.cameras.map((c) => c.id)).toEqual(['good']);
    expect(loaded.errors).toEqual([{ cameraId: 'bad', message: expect.stringMatching(/camera 'bad', url: must use rtsp/) }]);
  });
});

describe('CameraConfigStore: a subscriber that was away', () => {
  it('asks for a full reload once its connection is back, so a change announced meanwhile is applied', async () => {
    // A client of its own, named, so that exactly its subscriber connection can be killed.
    const name = uniquePrefix('cfgsub').replace(/[^A-Za-z0-9_-]/g, '_');
    const client = new Redis(testRedisUrl(), { connectionName: name });
    let sub: { close(): Promise<void> } | null = null;
    try {
      const store = new CameraConfigStore(client, { keyPrefix: prefix });
      const messages: ConfigChangedMessage[] = [];
      sub = await store.subscribe((m) => messages.push(m));
      const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const id = /id=(\d+)[^\n]*name=(\S+)/g;
      const ids = [...list.matchAll(id)].filter((m) => m[2] === name).map((m) => m[1]);
      expect(ids).toHaveLength(1);
      // Killed, and the change announced before it can reconnect: pub/sub keeps nothing for it.
      await redis.multi().client('KILL', 'ID', ids[0]).publish(store.channel, JSON.stringify({ cameraIds: ['a'], revision: 7 })).exec();
      for (let i = 0; i < 100 && !messages.length; i++) await sleep(50);
      expect(messages).toEqual([{ cameraIds: [], revision: 0 }]); // reload all, not the lost message
    } finally {
      await sub?.close();
      await client.quit();
    }
  });

  it('reports an entry that is not JSON without quoting it (it holds the camera URL and password)', async () => {
    const store = new CameraConfigStore(redis, { keyPrefix: prefix });
    await redis.hset(store.hashKey, 'cut', '{"id":"cut","url":"rtsp://admin:hunter2@10.0.0.7/live"');
    await redis.hset(store.hashKey, 'raw', 'rtsp://admin:hunter2@10.0.0.7/live');
    const { errors } = await store.load();
    expect(errors.map((e) => e.message).sort()).toEqual([
      "camera 'cut': published configuration is not valid JSON",
      "camera 'raw': published configuration is not valid JSON",
    ]);
  });
});

describe('FramesQueue', () => {
  const job: FrameJob = {
    cameraId: 'cam-1',
    seq: 1,
    capturedAt: Date.now(),
    key: 'xl:frame:{cam-1}:1',
    width: 416,
    height: 416,
    rows: 234,
    pixelFormat: 'bgr24',
    letterbox: { srcWidth: 640, srcHeight: 360, scale: 0.65, padX: 0, padY: 0 },
    reason: 'motion',
    motion: 0.01,
    difference: 0.8,
    earlierDifferences: [],
    ingestId: 'ingest-a',
  };

  it('adds metadata-only frame jobs under its prefix, one attempt each, bounded history', async () => {
    const queuePrefix = prefix.slice(0, -1);
    const frames = new FramesQueue({ connection: redis, prefix: queuePrefix, removeOnComplete: { count: 2 } });
    for (let i = 1; i <= 4; i++) await frames.add({ ...job, seq: i, capturedAt: Date.now() });
    expect(await frames.waiting()).toBe(4);
    const seen: FrameJob[] = [];
    const connection = redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker<FrameJob>('frames', async (j) => void seen.push(j.data), { connection, prefix: queuePrefix });
    try {
      await waitUntil('the worker to process 4 jobs', () => seen.length >= 4);
    } finally {
      await worker.close();
      await connection.quit();
    }
    expect(seen.map((j) => j.seq).sort()).toEqual([1, 2, 3, 4]);
    expect(seen[0]).toEqual({ ...job, seq: seen[0].seq, capturedAt: expect.any(Number) });
    const raw = await frames.queue.getJobs(['completed']);
    expect(raw.length).toBeLessThanOrEqual(2);
    expect(raw[0].opts.attempts).toBe(1);
    await frames.queue.obliterate({ force: true });
    await frames.close();
  });

  it('removes waiting jobs whose frame is older than a bound, judged by the capture clock, and no others', async () => {
    const queuePrefix = prefix.slice(0, -1);
    // Capture times come from the Redis server's clock, here a minute ahead of this host's.
    const redisNow = () => Date.now() + 60_000;
    const frames = new FramesQueue({ connection: redis, prefix: queuePrefix, now: redisNow });
    await frames.add({ ...job, seq: 1, capturedAt: redisNow() - 10_000 });
    await frames.add({ ...job, seq: 2, capturedAt: redisNow() - 6_000 });
    await frames.add({ ...job, seq: 3, capturedAt: redisNow() - 1_000 });
    await frames.add({ ...job, seq: 4, capturedAt: redisNow() });
    expect(await frames.removeWaitingOlderThan(5_000)).toBe(2);
    const left = await frames.queue.getJobs(['wait']);
    expect(left.map((j) => j.data.seq).sort()).toEqual([3, 4]);
    expect(await frames.removeWaitingOlderThan(5_000)).toBe(0);
    await frames.queue.obliterate({ force: true });
    await frames.close();
  });

  it('removes a backlog larger than one script call takes', async () => {
    const queuePrefix = prefix.slice(0, -1);
    const frames = new FramesQueue({ connection: redis, prefix: queuePrefix });
    const old = Date.now() - 60_000;
    const backlog = Array.from({ length: 2500 }, (_, i) => ({ name: 'frame', data: { ...job, seq: i, capturedAt: old + i }, opts: { timestamp: old + i } }));
    await frames.queue.addBulk(backlog);
    await frames.add({ ...job, seq: 9999, capturedAt: Date.now() });
    expect(await frames.removeWaitingOlderThan(5_000)).toBe(2500);
    expect((await frames.queue.getJobs(['wait'])).map((j) => j.data.seq)).toEqual([9999]);
    await frames.queue.obliterate({ force: true });
    await frames.close();
  });
});
