// Medium test: real Redis + BullMQ + the compiled analyzer as child processes. Frames of the drowning
// clip go on the queue the way ingest puts them there; alerts come out of the alerts queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { ALERTS_QUEUE, ANALYSED_AT_HASH, FRAMES_QUEUE, redisKeys, type AlertEvent, type FrameJob } from '@xl/contracts';
import { repoRoot, sharedPath, testRedisUrl, uniquePrefix } from '@xl/testing';
import { computeLetterbox, pictureRows } from '@xl/vision';
import { readClipFrames } from './replay/file-frame-source';

const clip = sharedPath('media/clips/drowning_sub.mp4');
const truthFile = sharedPath('media/clips/drowning_sub.truth.json');
const maybe = clip && truthFile ? describe : describe.skip;
const FPS = 4;
const SIZE = 416;

jest.setTimeout(120_000);

function startAnalyzer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/apps/analyzer/src/main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', METRICS_PORT: '0', DETECTOR_THREADS: '1', CONCURRENCY: '4', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

maybe('analyzer worker pool (real Redis, BullMQ, detector)', () => {
  const prefix = uniquePrefix('analyzer');
  const cameraId = `drown-${prefix.slice(-8)}`;
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const frames = new Queue<FrameJob>(FRAMES_QUEUE, { connection: redis, prefix });
  const alerts = new Queue<AlertEvent>(ALERTS_QUEUE, { connection: redis, prefix });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-analyzer-'));
  const children: ChildProcess[] = [];
  let env: Record<string, string>;

  beforeAll(() => {
    const truth = JSON.parse(readFileSync(truthFile!, 'utf8'));
    const camera = {
      id: cameraId,
      url: 'rtsp://127.0.0.1/x',
      fps: FPS,
      masks: truth.osd_regions.map(([x0, y0, x1, y1]: number[]) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
      zones: truth.zones,
    };
    writeFileSync(path.join(dir, 'cameras.json'), JSON.stringify({ cameras: [camera] }));
    env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, CAMERAS_FILE: path.join(dir, 'cameras.json'), SNAPSHOT_DIR: path.join(dir, 'snapshots'), MAX_FRAME_AGE_MS: '60000' };
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await frames.obliterate({ force: true }).catch(() => undefined);
    await alerts.obliterate({ force: true }).catch(() => undefined);
    await redis.del(redisKeys.analyzerState(cameraId), redisKeys.inflight(cameraId), redisKeys.hot(cameraId), redisKeys.latestFrame(cameraId), redisKeys.latestFrameAt(cameraId));
    await redis.hdel(ANALYSED_AT_HASH, cameraId);
    await frames.close();
    await alerts.close();
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Publishes like ingest: waits for the camera's gate, takes it, stores the bytes, queues the reference. */
  async function publish(seq: number, capturedAt: number, data: Buffer, letterbox: FrameJob['letterbox']): Promise<void> {
    const gate = redisKeys.inflight(cameraId);
    const key = redisKeys.frame(cameraId, seq);
    // Like ingest, the gate's holder is the frame key: the analyzer releases exactly that frame's gate.
    await waitFor('the in-flight gate', async () => (await redis.set(gate, key, 'PX', 15_000, 'NX')) === 'OK', 30_000);
    // Like ingest: only the picture rows travel; the analyzer restores the padding below them.
    const rows = pictureRows(letterbox, SIZE, SIZE);
    await redis.set(key, data.subarray(0, rows * SIZE * 3), 'PX', 30_000);
    await frames.add('frame', { cameraId, seq, capturedAt, key, width: SIZE, height: SIZE, rows, pixelFormat: 'bgr24', letterbox, reason: 'motion', motion: 0.1, difference: null, earlierDifferences: [], ingestId: 'test' }, { removeOnComplete: true, removeOnFail: 100 });
  }

  it('turns frames into zone_enter then vanish_in_water on the same track, across a killed worker', async () => {
    const a = startAnalyzer(env);
    const b = startAnalyzer(env);
    children.push(a, b);
    const letterbox = computeLetterbox(640, 360, SIZE, SIZE);
    const base = Date.now();
    let killedAt: number | null = null;
    for await (const frame of readClipFrames(clip!, FPS, SIZE, SIZE)) {
      const t = frame.index / FPS;
      if (t > 21) break;
      // Mid-stream, after the person is tracked in the water: one worker dies without a word.
      if (killedAt === null && t >= 10) {
        a.kill('SIGKILL');
        killedAt = t;
      }
      await publish(frame.index, base + Math.round(t * 1000), frame.data, letterbox);
    }
    const created = await waitFor(
      'zone_enter and vanish_in_water alerts',
      async () => {
        const jobs = (await alerts.getJobs(['waiting', 'prioritized', 'delayed', 'completed'])).map((j) => j.data); // zone_enter (major) waits prioritised, after critical events
        const enter = jobs.find((e) => e.rule === 'zone_enter' && e.kind === 'created');
        const vanish = jobs.find((e) => e.rule === 'vanish_in_water' && e.kind === 'created');
        return enter && vanish ? { enter, vanish } : null;
      },
      30_000,
    );
    expect(created.enter.zoneId).toBe('water');
    expect((created.enter.capturedAt - base) / 1000).toBeGreaterThanOrEqual(8.12);
    expect((created.enter.capturedAt - base) / 1000).toBeLessThanOrEqual(9.12);
    // The surviving worker continued the camera with its tracks: same track id, linked alert.
    expect(created.vanish.trackId).toBe(created.enter.trackId);
    expect(created.vanish.relatedAlertId).toBe(created.enter.alertId);
    expect(created.vanish.severity).toBe('critical');
    for (const e of [created.enter, created.vanish]) {
      expect(e.snapshotPath).toBeTruthy();
      const file = path.join(env.SNAPSHOT_DIR, e.snapshotPath!);
      expect(existsSync(file)).toBe(true);
      // The picture itself, not a black frame from a buffer handed to the detector: the beach is bright.
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height]).toEqual([416, 234]);
      const { channels } = await sharp(file).stats();
      expect(channels[0].mean).toBeGreaterThan(60);
    }
    // The camera wall's picture: the last analysed frame, plain, stored with its TTL for the API.
    const picture = await redis.getBuffer(redisKeys.latestFrame(cameraId));
    expect(picture).not.toBeNull();
    const meta = await sharp(picture!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 416, 234]);
    expect((await sharp(picture!).stats()).channels[0].mean).toBeGreaterThan(60);
    const ttl = await redis.pttl(redisKeys.latestFrame(cameraId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(20_000);
    // With its frame's capture time (one of the frames sent: base … base + 21 s), as long: the wall
    // says how old the picture is.
    const pictureAt = Number(await redis.get(redisKeys.latestFrameAt(cameraId)));
    expect(pictureAt - base).toBeGreaterThanOrEqual(0);
    expect(pictureAt - base).toBeLessThanOrEqual(21_000);
    expect(await redis.pttl(redisKeys.latestFrameAt(cameraId))).toBeGreaterThan(0);
    // When the camera was last analysed, for the API's watch on analysis: the capture time of one of
    // the last frames (marked every 5 s of capture time; frames were sent up to 21 s).
    const analysedAt = Number(await redis.hget(ANALYSED_AT_HASH, cameraId));
    expect(analysedAt - base).toBeGreaterThanOrEqual(15_000);
    expect(analysedAt - base).toBeLessThanOrEqual(21_000);
  });

  it('releases the gate when a frame is missing and when processing fails', async () => {
    const c = startAnalyzer(env);
    children.push(c);
    const letterbox = computeLetterbox(640, 360, SIZE, SIZE);
    const gate = redisKeys.inflight(cameraId);
    await redis.del(gate, redisKeys.analyzerState(cameraId));
    // Missing bytes (expired before the analyzer got to it).
    await redis.set(gate, `${prefix}:nothing`, 'PX', 60_000);
    await frames.add('frame', { cameraId, seq: 1, capturedAt: Date.now(), key: `${prefix}:nothing`, width: SIZE, height: SIZE, rows: SIZE, pixelFormat: 'bgr24', letterbox, reason: 'motion', motion: 0, difference: null, earlierDifferences: [], ingestId: 'test' });
    await waitFor('gate released after a missing frame', async () => (await redis.exists(gate)) === 0, 20_000);
    // Bytes of the wrong size: the job fails, the gate is still released.
    const key = `${prefix}:short`;
    await redis.set(gate, key, 'PX', 60_000);
    await redis.set(key, Buffer.alloc(100), 'PX', 60_000);
    const job = await frames.add('frame', { cameraId, seq: 2, capturedAt: Date.now(), key, width: SIZE, height: SIZE, rows: SIZE, pixelFormat: 'bgr24', letterbox, reason: 'motion', motion: 0, difference: null, earlierDifferences: [], ingestId: 'test' });
    await waitFor('gate released after a failed frame', async () => (await redis.exists(gate)) === 0, 20_000);
    // A late analyzer never frees the gate of a newer frame: holder mismatch leaves it alone.
    await redis.set(gate, 'newer-frame', 'PX', 60_000);
    const late = await frames.add('frame', { cameraId, seq: 3, capturedAt: Date.now(), key: `${prefix}:late`, width: SIZE, height: SIZE, rows: SIZE, pixelFormat: 'bgr24', letterbox, reason: 'motion', motion: 0, difference: null, earlierDifferences: [], ingestId: 'test' });
    // Looked at once the worker is done with the late frame (its bytes are gone: 'missing'), release tried.
    await waitFor('the late frame processed', async () => (await frames.getJobState(late.id!)) === 'completed', 20_000);
    expect((await frames.getJob(late.id!))?.returnvalue).toBe('missing');
    expect(await redis.get(gate)).toBe('newer-frame');
    await redis.del(gate);
    await waitFor('the job marked failed', async () => (await frames.getJobState(job.id!)) === 'failed', 10_000);
    const failed = await frames.getJob(job.id!);
    expect(failed?.failedReason).toMatch(new RegExp(`camera '${cameraId}' frame 2: 100 bytes, expected 519168`));
  });
});
