import { parseCamera, type CameraConfig } from '@xl/config';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import type { CameraSource, LeaseFailure, Leases, RejectedCamera } from '../ports';
import { IngestService, type Pipeline } from './ingest.service';

const log = createLogger('test', 'silent');

/**
 * Leases with the semantics of CameraLeases on Redis (NX claim that keeps its own lease, owner-only
 * renew/release, TTL, worker heartbeats, an outcome per camera) on a fake clock.
 */
class MemoryLeaseTable {
  now = 0;
  readonly leases = new Map<string, { owner: string; until: number }>();
  readonly beats = new Map<string, number>();
  failNext = false;
  /** Redis unreachable: every call fails until cleared. */
  down = false;
  /** Commands on these cameras' leases fail (their cluster shard failing over). */
  readonly failing = new Set<string>();
  constructor(readonly ttlMs: number) {}
  holder(id: string): string | null {
    const l = this.leases.get(id);
    return l && l.until > this.now ? l.owner : null;
  }
  /** The command on `id` fails, as CameraLeases reports it. */
  private failure(id: string): LeaseFailure | null {
    if (this.down) return { cameraId: id, error: new Error('connect ECONNREFUSED 127.0.0.1:6379') };
    return this.failing.has(id) ? { cameraId: id, error: new Error('CLUSTERDOWN The cluster is down') } : null;
  }
  port(owner: string): Leases & { calls: string[] } {
    const calls: string[] = [];
    const check = () => {
      if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      if (this.failNext) {
        this.failNext = false;
        throw new Error('redis down');
      }
    };
    return {
      calls,
      heartbeat: async () => {
        check();
        this.beats.set(owner, this.now);
        return [...this.beats.values()].filter((t) => t > this.now - this.ttlMs).length;
      },
      claim: async (candidates, max) => {
        const claimed: string[] = [];
        const failed: LeaseFailure[] = [];
        // In batches, ending at the first batch with a failure, like CameraLeases.
        let i = 0;
        while (claimed.length < max && i < candidates.length && !failed.length) {
          const batch = candidates.slice(i, i + (max - claimed.length));
          i += batch.length;
          for (const id of batch) {
            const failure = this.failure(id);
            if (failure) failed.push(failure);
            else if (this.holder(id) === null || this.holder(id) === owner) {
              this.leases.set(id, { owner, until: this.now + this.ttlMs });
              claimed.push(id);
            }
          }
        }
        calls.push(`claim ${claimed.join(',')}`);
        return { claimed, failed };
      },
      renew: async (ids) => {
        const renewal = { renewed: [] as string[], lost: [] as string[], failed: [] as LeaseFailure[] };
        for (const id of ids) {
          const failure = this.failure(id);
          if (failure) renewal.failed.push(failure);
          else if (this.holder(id) !== owner) renewal.lost.push(id);
          else {
            this.leases.get(id)!.until = this.now + this.ttlMs;
            renewal.renewed.push(id);
          }
        }
        return renewal;
      },
      release: async (ids) => {
        calls.push(`release ${ids.join(',')}`);
        const failed: LeaseFailure[] = [];
        for (const id of ids) {
          const failure = this.failure(id);
          if (failure) failed.push(failure);
          else if (this.holder(id) === owner) this.leases.delete(id);
        }
        return { failed };
      },
      leave: async () => {
        calls.push('leave');
        this.beats.delete(owner);
      },
    };
  }
}

class FakeCameras implements CameraSource {
  private onChange: (() => void) | null = null;
  unwatched = false;
  rejected: RejectedCamera[] = [];
  loads = 0;
  constructor(public list: CameraConfig[]) {}
  async load() {
    this.loads++;
    return { cameras: this.list, rejected: this.rejected };
  }
  async watch(onChange: () => void) {
    this.onChange = onChange;
    return async () => void (this.unwatched = true);
  }
  change(list: CameraConfig[]) {
    this.list = list;
    this.onChange?.();
  }
}

const cams = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => parseCamera({ id: `cam-${i + 1}`, url: `rtsp://h/${i + 1}`, ...extra }));

/** stopGraceMs 375: a lease unrenewed for 2 s of a 3 s TTL is fenced (2 × 375 + 250 ms left to stop). */
function worker(table: MemoryLeaseTable, owner: string, cameras: CameraSource, capacity = 10, stopGraceMs = 375) {
  const running = new Map<string, CameraConfig>();
  const log_: string[] = [];
  /** Cameras whose stop takes until the test says (a recorder's ffmpeg slow to exit). */
  const slowStops = new Map<string, Promise<void>>();
  const pipelines = (camera: CameraConfig): Pipeline => ({
    start: () => {
      running.set(camera.id, camera);
      log_.push(`start ${camera.id}`);
    },
    stop: async () => {
      log_.push(`stopping ${camera.id}`);
      await slowStops.get(camera.id);
      running.delete(camera.id);
      log_.push(`stop ${camera.id}`);
    },
  });
  const slowStop = (id: string) => {
    let done!: () => void;
    slowStops.set(id, new Promise<void>((resolve) => (done = resolve)));
    return () => {
      slowStops.delete(id);
      done();
    };
  };
  const leases = table.port(owner);
  const metrics = new IngestMetrics();
  const service = new IngestService(
    { cameras, leases, pipelines, metrics, log },
    { capacity, tickMs: 1000, leaseTtlMs: table.ttlMs, stopGraceMs, random: () => 0, monotonicNow: () => table.now },
  );
  return { service, running, leases, metrics, log: log_, slowStop };
}

describe('IngestService', () => {
  it('claims up to its capacity and runs a pipeline per owned camera', async () => {
    const table = new MemoryLeaseTable(3000);
    const w = worker(table, 'a', new FakeCameras(cams(6)), 4);
    await w.service.reload();
    await w.service.tick();
    expect(w.service.ownedIds).toHaveLength(4);
    expect([...w.running.keys()].sort()).toEqual([...w.service.ownedIds].sort());
    expect((await w.metrics.owned.get()).values[0].value).toBe(4);
  });

  it('says in its log when the live workers cannot read every enabled camera, once per change', async () => {
    const warn = jest.spyOn(log, 'warn');
    const info = jest.spyOn(log, 'info');
    try {
      const table = new MemoryLeaseTable(3000);
      const cameras = new FakeCameras(cams(6));
      const a = worker(table, 'a', cameras, 4);
      await a.service.reload();
      await a.service.tick();
      await a.service.tick();
      const unread = () => warn.mock.calls.filter((c) => String(c[1]).includes('read by no ingest worker'));
      expect(unread().map((c) => [c[0], c[1]])).toEqual([
        [{ cameras: 6, workers: 1, capacity: 4, unread: 2 }, '2 enabled camera(s) are read by no ingest worker: 1 worker(s) × INGEST_CAPACITY 4 < 6; add workers or raise INGEST_CAPACITY'],
      ]);
      const b = worker(table, 'b', cameras, 4);
      await b.service.reload();
      await b.service.tick(); // two workers: room for 8
      await a.service.tick();
      expect(unread()).toHaveLength(1);
      expect(info.mock.calls.filter((c) => c[1] === 'every enabled camera has an ingest worker again')).toHaveLength(1); // from a; b never lacked
    } finally {
      warn.mockRestore();
      info.mockRestore();
    }
  });

  it('splits cameras fairly between workers, each camera owned exactly once', async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(6));
    const a = worker(table, 'a', cameras);
    const b = worker(table, 'b', cameras);
    await a.service.reload();
    await b.service.reload();
    await a.service.tick(); // a alone: takes all 6
    expect(a.service.ownedIds).toHaveLength(6);
    await b.service.tick(); // b arrives: nothing free yet
    await a.service.tick(); // a sees 2 workers: hands 3 back
    await b.service.tick(); // b claims them
    expect(a.service.ownedIds).toHaveLength(3);
    expect(b.service.ownedIds).toHaveLength(3);
    const all = [...a.service.ownedIds, ...b.service.ownedIds].sort();
    expect(all).toEqual(cams(6).map((c) => c.id).sort());
    for (const id of all) expect(table.holder(id)).toBe(a.service.ownedIds.includes(id) ? 'a' : 'b');
  });

  it("takes over a dead worker's cameras once its leases expire", async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(6));
    const a = worker(table, 'a', cameras);
    const b = worker(table, 'b', cameras);
    for (const w of [a, b]) await w.service.reload();
    for (let i = 0; i < 3; i++) for (const w of [a, b]) await w.service.tick();
    expect(b.service.ownedIds).toHaveLength(3);
    // a dies (no more ticks); b keeps ticking every second
    for (let t = 1; t <= 4; t++) {
      table.now += 1000;
      await b.service.tick();
    }
    expect(b.service.ownedIds).toHaveLength(6);
  });

  it('stops a pipeline whose lease was lost without releasing the new owner', async () => {
    const table = new MemoryLeaseTable(3000);
    const a = worker(table, 'a', new FakeCameras(cams(2)));
    await a.service.reload();
    await a.service.tick();
    table.leases.set('cam-1', { owner: 'intruder', until: 1e9 });
    await a.service.tick();
    expect(a.service.ownedIds).toEqual(['cam-2']);
    expect(a.log).toContain('stop cam-1');
    expect(table.holder('cam-1')).toBe('intruder');
    expect(a.leases.calls.filter((c) => c.startsWith('release'))).toEqual([]);
  });

  it('follows configuration changes: restarts changed cameras, drops removed and disabled ones', async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(3));
    const a = worker(table, 'a', cameras);
    await a.service.start();
    expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-2', 'cam-3']);
    const [c1] = cams(1, { fps: 5 });
    const c3 = parseCamera({ id: 'cam-3', url: 'rtsp://h/3', enabled: false });
    cameras.change([c1, c3]);
    await a.service.reload(); // queued behind the change-triggered reload
    expect(a.running.get('cam-1')?.fps).toBe(5);
    expect(a.service.ownedIds).toEqual(['cam-1']);
    expect(a.log).toEqual(expect.arrayContaining(['stop cam-1', 'stop cam-2', 'stop cam-3']));
    expect(table.holder('cam-2')).toBeNull();
    expect(table.holder('cam-1')).toBe('a');
    await a.service.stop();
  });

  it('joins the change announcements that come before its queued reload begins: a sync of 50 cameras is one reload, not 50', async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(3));
    const a = worker(table, 'a', cameras);
    await a.service.start();
    const before = cameras.loads;
    for (let i = 0; i < 50; i++) cameras.change(cams(3, { fps: 3 })); // 50 announcements in one burst
    await a.service.reload(); // queued behind the announced one
    expect(cameras.loads - before).toBe(2); // before: 51
    expect(a.running.get('cam-1')?.fps).toBe(3);
    // An announcement while that reload runs queues one more: it may have missed the change.
    cameras.change(cams(3, { fps: 4 }));
    await a.service.reload();
    expect(a.running.get('cam-1')?.fps).toBe(4);
    await a.service.stop();
  });

  it('on stop: stops every pipeline, releases every lease, leaves the worker set, unsubscribes', async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(3));
    const a = worker(table, 'a', cameras);
    await a.service.start();
    await a.service.stop();
    expect(a.running.size).toBe(0);
    expect(['cam-1', 'cam-2', 'cam-3'].map((id) => table.holder(id))).toEqual([null, null, null]);
    expect(a.leases.calls).toContain('leave');
    expect(cameras.unwatched).toBe(true);
    expect(a.service.ready).toBe(false);
    await a.service.tick(); // a late timer tick claims nothing
    expect(a.running.size).toBe(0);
  });

  it('survives a failed lease round and counts it', async () => {
    const table = new MemoryLeaseTable(3000);
    const a = worker(table, 'a', new FakeCameras(cams(2)));
    await a.service.reload();
    table.failNext = true;
    await a.service.tick();
    expect((await a.metrics.leaseErrors.get()).values[0].value).toBe(1);
    await a.service.tick();
    expect(a.service.ownedIds).toHaveLength(2);
  });

  it('runs the cameras a claim round got while another claim failed, and claims that one on a later round', async () => {
    const table = new MemoryLeaseTable(3000);
    const a = worker(table, 'a', new FakeCameras(cams(3)));
    await a.service.reload();
    table.failing.add('cam-2'); // its shard fails over
    await a.service.tick();
    // The leases it got are its own: left unread, nobody else could take them until they expired.
    expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-3']);
    expect([...a.running.keys()].sort()).toEqual(['cam-1', 'cam-3']);
    expect((await a.metrics.leaseErrors.get()).values[0].value).toBe(1);
    table.failing.clear();
    await a.service.tick();
    expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-2', 'cam-3']);
    expect(['cam-1', 'cam-2', 'cam-3'].map((id) => table.holder(id))).toEqual(['a', 'a', 'a']);
  });

  describe('leases while cameras are slow to stop (clip hand-over, ffmpeg slow to exit)', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());
    /** Runs the service's own timers for `ms`, with the lease table's clock moving along. */
    const run = async (table: MemoryLeaseTable, ms: number) => {
      for (let t = 0; t < ms; t += 250) {
        table.now += 250;
        await jest.advanceTimersByTimeAsync(250);
      }
    };

    it('keeps renewing every lease, the stopping camera included, until it has stopped; then releases it', async () => {
      const table = new MemoryLeaseTable(3000);
      const cameras = new FakeCameras(cams(3));
      const a = worker(table, 'a', cameras);
      await a.service.start();
      const stopped = a.slowStop('cam-1');
      cameras.change(cams(3).slice(1)); // cam-1 removed: a reload that waits for its stop
      await run(table, 10_000); // more than three lease TTLs
      expect(['cam-1', 'cam-2', 'cam-3'].map((id) => table.holder(id))).toEqual(['a', 'a', 'a']);
      expect(a.service.ownedIds.sort()).toEqual(['cam-2', 'cam-3']);
      stopped();
      await run(table, 250);
      expect(table.holder('cam-1')).toBeNull();
      expect(a.leases.calls).toContain('release cam-1');
      await a.service.stop();
    });

    it('on stop, releases each lease as soon as its own camera stopped, in parallel', async () => {
      const table = new MemoryLeaseTable(3000);
      const a = worker(table, 'a', new FakeCameras(cams(2)));
      await a.service.start();
      const stopped = a.slowStop('cam-1');
      const stopping = a.service.stop();
      await run(table, 5_000);
      expect(a.log).toEqual(expect.arrayContaining(['stopping cam-1', 'stopping cam-2', 'stop cam-2']));
      expect(table.holder('cam-2')).toBeNull(); // not held back by cam-1
      expect(table.holder('cam-1')).toBe('a'); // still read: still renewed
      stopped();
      await run(table, 250);
      await stopping;
      expect(table.holder('cam-1')).toBeNull();
      expect(a.leases.calls.at(-1)).toBe('leave');
    });

    it('fences: stops cameras whose leases could not be renewed for most of the TTL, counts them, claims them again once Redis answers', async () => {
      const table = new MemoryLeaseTable(3000);
      const a = worker(table, 'a', new FakeCameras(cams(2)));
      await a.service.start();
      expect(a.running.size).toBe(2);
      table.down = true; // a partition: renewals fail, nothing says the leases are lost
      await run(table, 1_750);
      expect(a.running.size).toBe(2);
      await run(table, 500); // 2 s without a renewal: 1 s before the leases expire in Redis
      expect(a.running.size).toBe(0);
      expect(a.service.ownedIds).toEqual([]);
      expect((await a.metrics.fenced.get()).values.map((v) => [v.labels.camera, v.value]).sort()).toEqual([
        ['cam-1', 1],
        ['cam-2', 1],
      ]);
      table.down = false;
      await run(table, 3_000);
      expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-2']);
      expect(a.running.size).toBe(2);
      await a.service.stop();
    });

    it('fences only the cameras whose renewal failed: the others, renewed in the same round, keep running', async () => {
      const table = new MemoryLeaseTable(3000);
      const a = worker(table, 'a', new FakeCameras(cams(2)));
      await a.service.start();
      table.failing.add('cam-1'); // one key times out round after round; cam-2's shard answers
      await run(table, 2_250); // past the fence of the last renewal that worked
      expect([...a.running.keys()]).toEqual(['cam-2']);
      expect((await a.metrics.fenced.get()).values.map((v) => [v.labels.camera, v.value])).toEqual([['cam-1', 1]]);
      await run(table, 5_000); // cam-2 on, renewed all along
      expect(a.running.has('cam-2')).toBe(true);
      expect(table.holder('cam-2')).toBe('a');
      expect(a.log.filter((line) => line.includes('cam-2'))).toEqual(['start cam-2']);
      table.failing.clear();
      await run(table, 2_000);
      expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-2']);
      await a.service.stop();
    });

    it('fences early enough for the camera to stop within 2 × STOP_GRACE_MS before its lease expires in Redis', async () => {
      const table = new MemoryLeaseTable(10_000);
      const a = worker(table, 'a', new FakeCameras(cams(1)), 10, 3_000);
      await a.service.start();
      const stopped = a.slowStop('cam-1'); // ffmpeg ignores 'q' and SIGTERM: SIGKILL after 2 × 3 s
      table.down = true;
      await run(table, 3_500);
      expect(a.log).not.toContain('stopping cam-1');
      await run(table, 250); // 10 s − (2 × 3 s + 250 ms) after the last renewal (the claim, at 0)
      expect(a.log).toContain('stopping cam-1');
      await run(table, 6_000); // SIGKILL
      expect(table.holder('cam-1')).toBe('a'); // stopped while the lease was still ours: nobody else read it meanwhile
      stopped();
      await run(table, 250);
      expect(a.running.size).toBe(0);
      table.down = false;
      await a.service.stop();
    });
  });

  it('applies a new name, zone or rule without restarting the camera; a new fps restarts it', async () => {
    const table = new MemoryLeaseTable(3000);
    const cameras = new FakeCameras(cams(1));
    const a = worker(table, 'a', cameras);
    await a.service.reload();
    await a.service.tick();
    const zones = [{ id: 'pond', type: 'water', polygon: [[0, 0], [1, 0], [1, 1]] }];
    cameras.list = cams(1, { name: 'north pond', zones });
    await a.service.reload();
    expect(a.log).toEqual(['start cam-1']);
    cameras.list = cams(1, { name: 'north pond', zones, fps: 4 });
    await a.service.reload();
    expect(a.log).toEqual(['start cam-1', 'stopping cam-1', 'stop cam-1', 'start cam-1']);
    expect(a.running.get('cam-1')?.fps).toBe(4);
  });

  it('keeps a camera whose newly published configuration is invalid running on its last valid one, and reports the rejection once', async () => {
    const error = jest.spyOn(log, 'error');
    try {
      const table = new MemoryLeaseTable(3000);
      const cameras = new FakeCameras(cams(2));
      const a = worker(table, 'a', cameras);
      await a.service.reload();
      await a.service.tick();
      const message = "invalid camera configuration: camera 'cam-1', fps: Too big: expected number to be <=30 (got 300)";
      cameras.list = cams(2).slice(1);
      cameras.rejected = [{ cameraId: 'cam-1', message }, { cameraId: 'cam-9', message: "camera 'cam-9', url: must use rtsp:// or rtsps://, got http://" }];
      await a.service.reload();
      await a.service.reload(); // another camera's change: the same rejection is not reported again
      await a.service.tick();
      expect(a.log.sort()).toEqual(['start cam-1', 'start cam-2']); // never stopped
      expect(a.service.ownedIds.sort()).toEqual(['cam-1', 'cam-2']);
      expect((await a.metrics.configRejected.get()).values.map((v) => [v.labels.camera, v.value])).toEqual([
        ['cam-1', 1],
        ['cam-9', 1],
      ]);
      const said = error.mock.calls.map((c) => [(c[0] as { camera: string }).camera, c[1]]);
      expect(said).toEqual([
        ['cam-1', 'published camera configuration rejected: the camera keeps running on its last valid configuration'],
        ['cam-9', 'invalid published camera configuration; camera not ingested'],
      ]);
      cameras.rejected = [];
      cameras.list = cams(2, { fps: 5 }); // fixed: applied
      await a.service.reload();
      expect(a.running.get('cam-1')?.fps).toBe(5);
    } finally {
      error.mockRestore();
    }
  });
});
