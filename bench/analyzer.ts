// npm run bench -- analyzer [--seconds N] [--cameras N]
// The analyzer under full load (frames from the queue, as ingest puts them there) against raw
// onnxruntime-node in the same worker-thread arrangement (the detector pool, same thread count), in the
// same run. Prints a JSON line last: analysed frames/s, CPU-ms per frame for both, ratio, frame age.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { FRAMES_QUEUE, redisKeys, type FrameJob } from '@xl/contracts';
import { createPoolDetector, loadModel } from '@xl/detection';
import { cpuSeconds, repoRoot, requireShared, uniquePrefix } from '@xl/testing';
import { computeLetterbox, pictureRows } from '@xl/vision';
import { readClipFrames } from '../apps/analyzer/src/replay/file-frame-source';
import { percentile, round } from './lib/stats';

const SIZE = 416;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loadFrames(): Promise<{ clip: string; frames: Buffer[]; zones: unknown; masks: unknown }[]> {
  const out = [];
  for (const name of ['drowning_sub', 'crowd_sub', 'safe-waterside_sub', 'night-boat_sub']) {
    const clip = requireShared(`media/clips/${name}.mp4`);
    const truth = JSON.parse(readFileSync(requireShared(`media/clips/${name}.truth.json`), 'utf8'));
    const frames: Buffer[] = [];
    for await (const f of readClipFrames(clip, 4, SIZE, SIZE)) frames.push(f.data);
    const masks = truth.osd_regions.map(([x0, y0, x1, y1]: number[]) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
    out.push({ clip: name, frames, zones: truth.zones, masks });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, cameras: { type: 'string', default: '16' }, threads: { type: 'string', default: String(os.availableParallelism()) } } });
  const seconds = Number(values.seconds);
  const cameraCount = Number(values.cameras);
  const threads = Number(values.threads);
  const letterbox = computeLetterbox(640, 360, SIZE, SIZE);
  const rows = pictureRows(letterbox, SIZE, SIZE);
  const clips = await loadFrames();
  const model = loadModel(path.join(repoRoot, 'models'), 'yolox_nano');

  // 1. Raw: the detector pool alone, kept busy with 2 frames per thread in flight; half of it before
  // the analyzer's window and half after, so a machine that gets busier or quieter during the run
  // weighs on both sides alike.
  const allFrames = clips.flatMap((c) => c.frames);
  const measureRaw = async (durationS: number) => {
    const pool = await createPoolDetector(model, { size: threads, scoreThreshold: 0.1 });
    let frames = 0;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + durationS * 1000;
    await Promise.all(
      Array.from({ length: threads * 2 }, async (_, lane) => {
        for (let i = lane; performance.now() < end; i += threads * 2) {
          await pool.detect({ data: new Uint8Array(allFrames[i % allFrames.length]), width: SIZE, height: SIZE, letterbox });
          frames++;
        }
      }),
    );
    const cpu = process.cpuUsage(cpu0);
    const wall = (performance.now() - start) / 1000;
    await pool.close();
    return { frames, cpuMs: (cpu.user + cpu.system) / 1000, wall };
  };
  const rawBefore = await measureRaw(seconds / 4);

  // 2. The analyzer process, fed through Redis + BullMQ exactly as ingest feeds it.
  const prefix = uniquePrefix('bench');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-bench-analyzer-'));
  const cameras = Array.from({ length: cameraCount }, (_, i) => ({ id: `cam-${String(i + 1).padStart(2, '0')}`, clip: clips[i % clips.length] }));
  writeFileSync(
    path.join(dir, 'cameras.json'),
    JSON.stringify({ cameras: cameras.map((c) => ({ id: c.id, url: 'rtsp://127.0.0.1/x', fps: 4, masks: c.clip.masks, zones: c.clip.zones })) }),
  );
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the analyzer process, for profiling.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'dist/apps/analyzer/src/main.js')], {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, CAMERAS_FILE: path.join(dir, 'cameras.json'), SNAPSHOT_DIR: path.join(dir, 'snap'), METRICS_PORT: '0', LOG_LEVEL: 'error', DETECTOR_THREADS: String(threads), MAX_FRAME_AGE_MS: '10000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue<FrameJob>(FRAMES_QUEUE, { connection: redis, prefix });
  const events = new QueueEvents(FRAMES_QUEUE, { connection: redis.duplicate(), prefix });
  const published = new Map<string, number>();
  const ages: number[] = [];
  let done = 0;
  let measuring = false;
  events.on('completed', ({ jobId, returnvalue }) => {
    const at = published.get(jobId);
    published.delete(jobId);
    if (!measuring || at === undefined) return;
    if (String(returnvalue).includes('analysed')) {
      done++;
      ages.push(Date.now() - at);
    }
  });
  await events.waitUntilReady();
  await sleep(3000); // model load and warm-up

  let stop = false;
  const producers = cameras.map(async (cam, ci) => {
    for (let seq = 1; !stop; seq++) {
      const key = redisKeys.frame(cam.id, seq);
      if ((await redis.set(redisKeys.inflight(cam.id), key, 'PX', 5000, 'NX')) !== 'OK') {
        await sleep(2);
        seq--;
        continue;
      }
      const data = cam.clip.frames[(seq + ci * 7) % cam.clip.frames.length];
      const capturedAt = Date.now();
      await redis.set(key, data.subarray(0, rows * SIZE * 3), 'PX', 10_000); // picture rows only, as ingest stores them
      const job = await queue.add('frame', { cameraId: cam.id, seq, capturedAt, key, width: SIZE, height: SIZE, rows, pixelFormat: 'bgr24', letterbox, reason: 'motion', motion: 0.1, difference: null, earlierDifferences: [], ingestId: 'bench' }, { removeOnComplete: true, removeOnFail: true });
      published.set(job.id!, capturedAt);
    }
  });
  await sleep(3000); // reach a steady state
  measuring = true;
  const cpu0 = cpuSeconds(child.pid!);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = cpuSeconds(child.pid!) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  measuring = false;
  const analysed = done;
  stop = true;
  await Promise.all(producers);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await queue.obliterate({ force: true }).catch(() => undefined);
  await events.close();
  await queue.close();
  for (const c of cameras) await redis.del(redisKeys.analyzerState(c.id), redisKeys.inflight(c.id), redisKeys.hot(c.id));
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });

  const rawAfter = await measureRaw(seconds / 4);
  const rawFrames = rawBefore.frames + rawAfter.frames;
  const rawWall = rawBefore.wall + rawAfter.wall;
  const rawCpuMs = (rawBefore.cpuMs + rawAfter.cpuMs) / rawFrames;
  console.log(`raw pool: ${rawFrames} frames in ${rawWall.toFixed(1)} s (${(rawFrames / rawWall).toFixed(1)}/s), ${rawCpuMs.toFixed(2)} CPU-ms/frame (before ${(rawBefore.cpuMs / rawBefore.frames).toFixed(2)}, after ${(rawAfter.cpuMs / rawAfter.frames).toFixed(2)})`);
  const analyzerCpuMs = (cpu * 1000) / analysed;
  ages.sort((a, b) => a - b);
  const result = {
    bench: 'analyzer',
    cameras: cameraCount,
    threads,
    analysedPerSecond: round(analysed / wall, 1),
    analyzerCpuMsPerFrame: round(analyzerCpuMs, 2),
    rawCpuMsPerFrame: round(rawCpuMs, 2),
    rawFramesPerSecond: round(rawFrames / rawWall, 1),
    ratio: round(analyzerCpuMs / rawCpuMs, 3),
    frameAgeMs: { p50: percentile(ages, 50), p95: percentile(ages, 95) },
  };
  console.log(`analyzer: ${analysed} frames in ${wall.toFixed(1)} s, ${analyzerCpuMs.toFixed(2)} CPU-ms/frame`);
  console.log(JSON.stringify(result));
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
