// CameraLeases against a real Redis: per-camera outcomes, and a claim that finds its own lease.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { CameraLeases, fairShare } from './camera-leases';

let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
beforeEach(() => {
  prefix = `${uniquePrefix('leases')}:`;
});
afterEach(async () => {
  jest.restoreAllMocks();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});
afterAll(async () => {
  await redis.quit();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lease TTL of the timing tests: long enough that a stall of a loaded CI host (~1-2 s) loses nothing. */
const TTL_MS = 3000;
const leases = (ownerId: string, ttlMs = TTL_MS) => new CameraLeases(redis, { ownerId, ttlMs, keyPrefix: prefix });

/**
 * Makes the lease commands on `failing` cameras fail as a timeout does: sent (and carried out by
 * Redis when `landed`), their answer never comes back.
 */
function failCommandsOn(failing: string[], { landed }: { landed: boolean }) {
  const real = redis.eval.bind(redis) as (...args: unknown[]) => Promise<unknown>;
  return jest.spyOn(redis, 'eval').mockImplementation((async (...args: unknown[]) => {
    const key = String(args[2]);
    if (!failing.some((id) => key.endsWith(`{${id}}`))) return real(...args);
    if (landed) await real(...args);
    throw new Error('Command timed out');
  }) as never);
}

describe('CameraLeases', () => {
  it('claims free cameras up to a maximum, renews its own, loses expired ones, releases', async () => {
    const a = leases('ingest-a');
    const b = leases('ingest-b');
    const cams = ['c1', 'c2', 'c3', 'c4', 'c5'];
    expect(await a.claim(cams, 3)).toEqual({ claimed: ['c1', 'c2', 'c3'], failed: [] });
    expect(await b.claim(cams, 10)).toEqual({ claimed: ['c4', 'c5'], failed: [] });
    expect(await a.owners(cams)).toEqual(['ingest-a', 'ingest-a', 'ingest-a', 'ingest-b', 'ingest-b']);
    // b cannot renew a's leases; a can
    expect(await b.renew(['c1', 'c4'])).toEqual({ renewed: ['c4'], lost: ['c1'], failed: [] });
    // Renewing every 0.37 TTL leaves a stall of 0.63 TTL before a renewal comes too late.
    const renewEveryMs = Math.round(TTL_MS * 0.37);
    for (let i = 0; i < 4; i++) {
      await sleep(renewEveryMs);
      expect(await a.renew(['c1', 'c2', 'c3'])).toEqual({ renewed: ['c1', 'c2', 'c3'], lost: [], failed: [] });
    }
    // b stopped renewing at least 4 × 0.37 TTL (~1.5 TTL) ago: its leases are gone and a can take them
    expect(await a.renew(['c4'])).toEqual({ renewed: [], lost: ['c4'], failed: [] });
    expect((await a.claim(['c4', 'c5'], 10)).claimed).toEqual(['c4', 'c5']);
    expect(await b.release(['c1'])).toEqual({ released: ['c1'], failed: [] }); // not b's: untouched
    expect((await a.owners(['c1']))[0]).toBe('ingest-a');
    await a.release(['c1', 'c2']);
    expect(await a.owners(['c1', 'c2', 'c3'])).toEqual([null, null, 'ingest-a']);
  });

  it("counts a lease that already holds its own id as claimed, with a fresh TTL; never another's", async () => {
    const a = leases('ingest-a', 5000);
    await redis.set(a.keyOf('c1'), 'ingest-a', 'PX', 300); // its earlier claim landed, the answer was lost
    await redis.set(a.keyOf('c2'), 'ingest-b', 'PX', 5000);
    expect(await a.claim(['c1', 'c2', 'c3'], 3)).toEqual({ claimed: ['c1', 'c3'], failed: [] });
    expect(await redis.pttl(a.keyOf('c1'))).toBeGreaterThan(4000);
    expect(await a.owners(['c2'])).toEqual(['ingest-b']);
  });

  it('a claim resent after the connection dropped (ioredis resends what was unanswered) still claims', async () => {
    const link = await lossyLink(testRedisUrl());
    const client = new Redis(link.url, { retryStrategy: () => 20 });
    try {
      const a = new CameraLeases(client, { ownerId: 'ingest-a', ttlMs: 5000, keyPrefix: prefix });
      await client.ping();
      link.dropNextReply(); // Redis carries the claim out; the connection breaks before its answer
      expect(await a.claim(['c1'], 1)).toEqual({ claimed: ['c1'], failed: [] });
      expect(link.dropped).toBe(1);
      expect(await a.owners(['c1'])).toEqual(['ingest-a']);
    } finally {
      client.disconnect();
      await link.close();
    }
  });

  it('keeps the claims that succeeded when one in the batch failed, and gives the failed one back', async () => {
    const a = leases('ingest-a', 5000);
    failCommandsOn(['c2'], { landed: true });
    const { claimed, failed } = await a.claim(['c1', 'c2', 'c3', 'c4'], 3);
    expect(claimed).toEqual(['c1', 'c3']);
    expect(failed.map((f) => [f.cameraId, f.error.message])).toEqual([['c2', 'Command timed out']]);
    // The batch with a failure ends the claim (c4 not tried); the failed claim, landed, was given back.
    expect(await a.owners(['c1', 'c2', 'c3', 'c4'])).toEqual(['ingest-a', null, 'ingest-a', null]);
  });

  it('renews every lease it can when one renewal in the batch fails, and says which', async () => {
    const a = leases('ingest-a');
    const b = leases('ingest-b');
    await a.claim(['c1', 'c2', 'c3'], 3);
    await b.claim(['c4'], 1);
    const aged = TTL_MS / 2;
    await sleep(aged);
    failCommandsOn(['c2'], { landed: false });
    const renewal = await a.renew(['c1', 'c2', 'c3', 'c4']);
    expect(renewal.renewed).toEqual(['c1', 'c3']);
    expect(renewal.lost).toEqual(['c4']);
    expect(renewal.failed.map((f) => f.cameraId)).toEqual(['c2']);
    // Unrenewed, a lease has at most TTL - aged left: c1 has more (a stall before the read may eat up to `aged`).
    expect(await redis.pttl(a.keyOf('c1'))).toBeGreaterThan(TTL_MS - aged);
    expect(await redis.pttl(a.keyOf('c2'))).toBeLessThanOrEqual(TTL_MS - aged);
  });

  it('releases every lease it can when one release fails, and says which', async () => {
    const a = leases('ingest-a', 5000);
    await a.claim(['c1', 'c2'], 2);
    failCommandsOn(['c1'], { landed: false });
    const { released, failed } = await a.release(['c1', 'c2']);
    expect(released).toEqual(['c2']);
    expect(failed.map((f) => f.cameraId)).toEqual(['c1']);
    expect(await a.owners(['c1', 'c2'])).toEqual(['ingest-a', null]);
  });

  it('counts live workers by heartbeat', async () => {
    const a = leases('ingest-a');
    const b = leases('ingest-b');
    expect(await a.heartbeat()).toBe(1);
    expect(await b.heartbeat()).toBe(2); // a's heartbeat less than a TTL ago, even after a stall
    await sleep(TTL_MS + 500);
    expect(await a.heartbeat()).toBe(1); // b went quiet
    await a.leave();
    expect(await b.heartbeat()).toBe(1);
  });

  it('computes a fair share capped by capacity', () => {
    expect(fairShare(6, 2, 10)).toBe(3);
    expect(fairShare(7, 2, 10)).toBe(4);
    expect(fairShare(6, 1, 4)).toBe(4);
    expect(fairShare(6, 0, 10)).toBe(6);
  });
});

/** A TCP relay to Redis that can break the connection once Redis has answered, before the answer arrives. */
async function lossyLink(redisUrl: string) {
  const target = new URL(redisUrl);
  let drop = false;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!drop) return void client.write(chunk);
      drop = false;
      dropped++;
      client.destroy();
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(redisUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    get dropped() {
      return dropped;
    },
    dropNextReply: () => (drop = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
