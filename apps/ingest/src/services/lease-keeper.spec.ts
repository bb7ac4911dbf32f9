import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { LeaseFailure, Leases } from '../ports';
import { fenceAfterMs, LeaseKeeper } from './lease-keeper';

const log = createLogger('test', 'silent');

/** TTL 6 s, STOP_GRACE_MS 375, a round a second: a lease unrenewed for 5 s is fenced. */
const TTL_MS = 6000;
const STOP_GRACE_MS = 375;
const ROUND_MS = 1000;
const FENCE_MS = fenceAfterMs(TTL_MS, STOP_GRACE_MS, ROUND_MS);

/** Leases whose renewals answer per camera as the test says: renewed unless lost or failing. */
function fakeLeases() {
  const lost = new Set<string>();
  const failing = new Set<string>();
  let rejectAll: Error | null = null;
  const leases: Leases = {
    heartbeat: async () => 1,
    leave: async () => undefined,
    claim: async () => ({ claimed: [], failed: [] }),
    release: async () => ({ failed: [] }),
    renew: async (ids) => {
      if (rejectAll) throw rejectAll;
      const failed: LeaseFailure[] = ids.filter((id) => failing.has(id)).map((cameraId) => ({ cameraId, error: new Error(`timeout on ${cameraId}`) }));
      const ok = ids.filter((id) => !failing.has(id));
      return { renewed: ok.filter((id) => !lost.has(id)), lost: ok.filter((id) => lost.has(id)), failed };
    },
  };
  return { leases, lost, failing, rejectAll: (err: Error | null) => (rejectAll = err) };
}

function keeper(leases: Leases) {
  let now = 0;
  const fenced: string[][] = [];
  const lost: string[][] = [];
  const metrics = new IngestMetrics();
  const k = new LeaseKeeper(
    { leases, metrics, log, onLost: (ids) => lost.push(ids), onFenced: (ids) => fenced.push(ids) },
    { ttlMs: TTL_MS, stopGraceMs: STOP_GRACE_MS, renewEveryMs: ROUND_MS, now: () => now },
  );
  /** Moves the monotonic clock and the fence timer on together; renews every round like the service. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      now += 250;
      await jest.advanceTimersByTimeAsync(250);
      if (now % ROUND_MS === 0) await k.renew();
    }
  };
  const leaseErrors = async () => (await metrics.leaseErrors.get()).values[0]?.value ?? 0;
  return { k, fenced, lost, metrics, run, leaseErrors };
}

describe('LeaseKeeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('stamps the leases a renewal round renewed even when another lease in it failed; fences only that one', async () => {
    const fake = fakeLeases();
    const w = keeper(fake.leases);
    w.k.hold(['cam-1', 'cam-2', 'cam-3'], 0);
    w.k.watchFence();
    fake.failing.add('cam-2'); // its key times out (or its cluster shard fails over)
    await w.run(FENCE_MS);
    expect(w.fenced).toEqual([['cam-2']]);
    expect([w.k.holds('cam-1'), w.k.holds('cam-2'), w.k.holds('cam-3')]).toEqual([true, false, true]);
    expect(await w.leaseErrors()).toBeGreaterThan(0);
    await w.run(5 * TTL_MS); // the others, renewed every round, are never fenced
    expect(w.fenced).toEqual([['cam-2']]);
    expect(w.lost).toEqual([]);
    w.k.unwatchFence();
  });

  it('a lease whose renewal fails for a while but then works is not fenced', async () => {
    const fake = fakeLeases();
    const w = keeper(fake.leases);
    w.k.hold(['cam-1', 'cam-2'], 0);
    w.k.watchFence();
    fake.failing.add('cam-1');
    await w.run(FENCE_MS - 2 * ROUND_MS); // fails three rounds; the next, before the fence, renews it
    fake.failing.clear();
    await w.run(3 * TTL_MS);
    expect(w.fenced).toEqual([]);
    expect(w.k.holds('cam-1')).toBe(true);
    w.k.unwatchFence();
  });

  it('a round that fails as a whole renews nothing: every lease is fenced in time', async () => {
    const fake = fakeLeases();
    const w = keeper(fake.leases);
    w.k.hold(['cam-1', 'cam-2'], 0);
    w.k.watchFence();
    fake.rejectAll(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    await w.run(FENCE_MS - 250);
    expect(w.fenced).toEqual([]);
    await w.run(250);
    expect(w.fenced).toEqual([['cam-1', 'cam-2']]);
    w.k.unwatchFence();
  });

  it('stops only the lost leases; renewed and failed ones stay held', async () => {
    const fake = fakeLeases();
    const w = keeper(fake.leases);
    w.k.hold(['cam-1', 'cam-2', 'cam-3'], 0);
    fake.lost.add('cam-1');
    fake.failing.add('cam-3');
    await w.k.renew();
    expect(w.lost).toEqual([['cam-1']]);
    expect([w.k.holds('cam-1'), w.k.holds('cam-2'), w.k.holds('cam-3')]).toEqual([false, true, true]);
  });

  it('ignores the answer for a lease released while its renewal was on the way', async () => {
    let answer!: (r: Awaited<ReturnType<Leases['renew']>>) => void;
    const fake = fakeLeases();
    const leases: Leases = { ...fake.leases, renew: () => new Promise((resolve) => (answer = resolve)) };
    const w = keeper(leases);
    w.k.hold(['cam-1', 'cam-2'], 0);
    const round = w.k.renew();
    await Promise.resolve();
    w.k.forget(['cam-1']);
    answer({ renewed: ['cam-1'], lost: ['cam-2'], failed: [] });
    await round;
    expect(w.k.holds('cam-1')).toBe(false); // not held again by a stale "renewed"
    expect(w.lost).toEqual([['cam-2']]);
  });
});
