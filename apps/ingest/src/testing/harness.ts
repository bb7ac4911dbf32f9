// Helpers for ingest's integration tests and benchmark: a frames consumer that behaves like the
// analyzer towards ingest (takes the bytes, releases the in-flight gate), status stream polling, and
// camera configs for the simulator's clips.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseCamera, type CameraConfig } from '@xl/config';
import { FRAMES_QUEUE, type CameraStatusEvent, type FrameJob } from '@xl/contracts';
import { CameraStatusStream, FrameStore, InflightGate } from '@xl/queue';
import { uniquePrefix } from '@xl/testing';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns something truthy, which it resolves to. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, stepMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

export interface DrainedFrame {
  job: FrameJob;
  /** Byte length of the frame taken from Redis (null: expired before it was taken). */
  bytes: number | null;
  /** Sample pixel values: [row 300 col 10 (padding for 16:9), row 100 col 200 (picture)] as BGR. */
  samples: number[][] | null;
  receivedAt: number;
}

/**
 * Consumes the frames queue like the analyzer does towards ingest: GETDEL the bytes, release the
 * camera's gate. Nothing is analysed.
 */
export class FrameDrain {
  readonly frames: DrainedFrame[] = [];
  private readonly worker: Worker<FrameJob>;
  private readonly connection: Redis;

  constructor(redis: Redis, options: { queuePrefix: string; keyPrefix: string; keepSamples?: boolean }) {
    this.connection = redis.duplicate({ maxRetriesPerRequest: null });
    const store = new FrameStore(redis, { keyPrefix: options.keyPrefix });
    const gate = new InflightGate(redis, { keyPrefix: options.keyPrefix });
    this.worker = new Worker<FrameJob>(
      FRAMES_QUEUE,
      async (job) => {
        const data = await store.take(job.data.key);
        await gate.release(job.data.cameraId, job.data.key);
        const w = job.data.width;
        const px = (x: number, y: number) => (data ? Array.from(data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)) : []);
        this.frames.push({
          job: job.data,
          bytes: data ? data.length : null,
          samples: options.keepSamples && data ? [px(10, job.data.rows - 1), px(200, 100)] : null,
          receivedAt: Date.now(),
        });
      },
      { connection: this.connection, prefix: options.queuePrefix, concurrency: 16 },
    );
  }

  of(cameraId: string): DrainedFrame[] {
    return this.frames.filter((f) => f.job.cameraId === cameraId);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.connection.quit().catch(() => undefined);
  }
}

/** A fresh key prefix and BullMQ prefix for one test (`label` tells them apart in Redis). */
export function testPrefixes(label: string): { keyPrefix: string; queuePrefix: string } {
  return { keyPrefix: `${uniquePrefix(label)}:`, queuePrefix: uniquePrefix(`${label}q`) };
}

/** Deletes every key a test made under its prefixes. */
export async function dropTestKeys(redis: Redis, prefixes: { keyPrefix: string; queuePrefix: string }): Promise<void> {
  const keys = [...(await redis.keys(`${prefixes.keyPrefix}*`)), ...(await redis.keys(`${prefixes.queuePrefix}:*`))];
  if (keys.length) await redis.del(...keys);
}

/** Everything on the status stream so far. */
export async function statusEvents(redis: Redis, keyPrefix: string): Promise<CameraStatusEvent[]> {
  const entries = await new CameraStatusStream(redis, { keyPrefix }).read('0', { count: 10_000 });
  return entries.map((e) => e.event);
}

/** The clip's on-screen clock and camera name (truth file `osd_regions`, boxes) as mask polygons. */
export function osdMasks(clipPath: string): [number, number][][] {
  const truth = JSON.parse(readFileSync(clipPath.replace(/\.mp4$/, '.truth.json'), 'utf8')) as { osd_regions?: number[][] };
  return (truth.osd_regions ?? []).map(([x0, y0, x1, y1]) => [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ]);
}

/** A validated camera config for a simulated camera, with short supervision times for tests. */
export function testCamera(id: string, url: string, overrides: Record<string, unknown> = {}): CameraConfig {
  return parseCamera({
    id,
    url,
    fps: 2,
    watchdog: { stallSeconds: 3, ioTimeoutSeconds: 3, backoffInitialSeconds: 0.5, backoffMaxSeconds: 2 },
    ...overrides,
  });
}

/** Writes cameras to a temporary JSON camera file (the CAMERAS_FILE format); returns its path. */
export function writeCamerasFile(cameras: CameraConfig[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-ingest-'));
  const file = path.join(dir, 'cameras.json');
  writeFileSync(file, JSON.stringify({ cameras }));
  return file;
}
