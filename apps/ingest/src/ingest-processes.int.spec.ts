// Two ingest processes (the compiled app, as deployed) sharing six cameras through Redis leases.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CameraConfigStore, CameraLeases } from '@xl/queue';
import { CameraSimulator, describeWithShared, repoRoot, sharedPath, testRedisUrl, childrenNamed, isAlive } from '@xl/testing';
import { dropTestKeys, FrameDrain, sleep, statusEvents, testCamera, testPrefixes, waitFor } from './testing/harness';

const CLIP = 'media/clips/drowning_sub.mp4';
const LEASE_TTL_MS = 3000;
// Issue #2's bound is lease TTL + 2 s. A lease renewed just before the kill lives a whole TTL, and
// the survivor claims on its next round (≤ one claim interval): a short interval leaves the rest of
// the 2 s to a loaded machine (the survivor runs six ffmpegs; CI runs other suites beside it).
const CLAIM_INTERVAL_MS = 500;
const HANDOVER_MS = LEASE_TTL_MS + 2_000;
const MAIN = path.join(repoRoot, 'dist/apps/ingest/src/main.js'); // built by jest's global setup
jest.setTimeout(60_000);

interface IngestProcess {
  id: string;
  child: ChildProcess;
  stderr: string[];
  exited: Promise<number | null>;
}

describeWithShared([CLIP])('two ingest processes share six cameras', () => {
  let redis: Redis;
  let prefixes: { keyPrefix: string; queuePrefix: string };
  let keyPrefix: string;
  let queuePrefix: string;
  let sim: CameraSimulator;
  let procs: IngestProcess[];
  let drain: FrameDrain | null = null;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefixes = testPrefixes('ingestp');
    ({ keyPrefix, queuePrefix } = prefixes);
    sim = new CameraSimulator({ loopSeconds: 120 });
    procs = [];
  });
  afterEach(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await drain?.close();
    await sim.stopAll();
    await dropTestKeys(redis, prefixes);
  });

  function launch(id: string): IngestProcess {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        INGEST_ID: id,
        KEY_PREFIX: keyPrefix,
        QUEUE_PREFIX: queuePrefix,
        INGEST_CAPACITY: '6',
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        CLAIM_INTERVAL_MS: String(CLAIM_INTERVAL_MS),
        METRICS_PORT: '0',
        STOP_GRACE_MS: '300',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (stderr.length > 200) stderr.shift();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const p = { id, child, stderr, exited };
    procs.push(p);
    return p;
  }

  /** Camera readers among the process's ffmpeg children (fluent-ffmpeg also runs short capability probes). */
  const readers = (p: IngestProcess) => childrenNamed(p.child.pid!, 'ffmpeg').filter(({ argv }) => argv.includes('-rtsp_transport'));

  /** Which camera each reader reads (its input URL ends in /cam-N). */
  function camerasRead(p: IngestProcess): string[] {
    return readers(p).map(({ argv }) => argv[argv.indexOf('-i') + 1].split('/').pop()!);
  }

  it('each camera is read by exactly one process; a kill -9 hands all six to the survivor within lease TTL + 2 s', async () => {
    const clip = sharedPath(CLIP)!;
    const ids = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5', 'cam-6'];
    const sims = await sim.start(ids.map((id) => ({ id, clip })));
    // Cameras from the configuration alerts-api would publish, not from a file.
    await new CameraConfigStore(redis, { keyPrefix }).publish(sims.map((s) => testCamera(s.id, s.url)));
    const leases = new CameraLeases(redis, { ownerId: 'observer', ttlMs: LEASE_TTL_MS, keyPrefix });
    drain = new FrameDrain(redis, { queuePrefix, keyPrefix });

    const a = launch('ingest-a');
    const b = launch('ingest-b');
    const split = () => {
      const readA = camerasRead(a);
      const readB = camerasRead(b);
      return readA.length === 3 && readB.length === 3 ? { readA, readB } : null;
    };
    const { readA, readB } = await waitFor('a 3/3 split', split, 25_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}; a reads ${camerasRead(a)}, b reads ${camerasRead(b)}\n${a.stderr.join('')}${b.stderr.join('')}`);
    });
    const splitAt = Date.now();
    expect([...readA, ...readB].sort()).toEqual(ids);
    const owners = await leases.owners(ids);
    ids.forEach((id, i) => expect(owners[i]).toBe(readA.includes(id) ? 'ingest-a' : 'ingest-b'));
    // Frames of every camera flow, each published by its owner. Only frames captured after the split:
    // before it, the first process may have read (and published) cameras it then handed over.
    const sinceSplit = (id: string) => drain!.of(id).filter((f) => f.job.capturedAt > splitAt);
    await waitFor('frames from all six', () => ids.every((id) => sinceSplit(id).length > 0), 15_000);
    for (const id of ids) {
      const publishers = new Set(sinceSplit(id).map((f) => f.job.ingestId));
      expect([...publishers]).toEqual([readA.includes(id) ? 'ingest-a' : 'ingest-b']);
    }

    const orphans = readers(a).map((c) => c.pid);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor('b owns all six', async () => (await leases.owners(ids)).every((o) => o === 'ingest-b'), HANDOVER_MS, 100);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(HANDOVER_MS);
    await waitFor('b reads all six', () => camerasRead(b).length === 6, 5_000);
    expect(camerasRead(b).sort()).toEqual(ids);
    // a's ffmpegs die with their broken stdout pipe
    await waitFor("a's ffmpegs gone", () => orphans.every((pid) => !isAlive(pid)), 10_000);
    const takenOver = readA[0];
    await waitFor(`${takenOver} online from b`, async () => (await statusEvents(redis, keyPrefix)).some((e) => e.cameraId === takenOver && e.ingestId === 'ingest-b'), 10_000);

    // SIGTERM: ffmpegs stopped, leases released, exit code 0
    const ffmpegs = readers(b).map((c) => c.pid);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(await leases.owners(ids)).toEqual(ids.map(() => null));
    await sleep(200);
    expect(ffmpegs.filter((pid) => isAlive(pid))).toEqual([]);
  });
});
