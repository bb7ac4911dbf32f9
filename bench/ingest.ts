// npm run bench -- ingest [--counts 8,16,32] [--seconds 20] [--fps 2]
// CPU and memory per camera of the ingest app (Node plus its ffmpegs, from /proc of its process
// tree) against the same ffmpeg command lines run bare (output to /dev/null), for 8, 16 and 32
// simulated sub-stream cameras. Both run at the same time over the same window, reading the same
// cameras, so machine noise and picture content hit both alike. A consumer in this process takes
// the frames and releases the in-flight gates as the analyzer would (its CPU is not counted). Every
// camera plays drowning_sub.mp4, which has motion in most frames: most frames are published, the
// costly case. Prints a JSON line last; "ratio" is ingest CPU / bare ffmpeg CPU at the largest count
// (target ≤ 1.10). Then, ingest stopped and the bare ffmpegs still running, three floors measured the
// same way (bench/lib/floor-child.ts): the app's readers alone, the readers with the published share of
// frames SET into Redis, and those SETs alone — what any ingest on this transport costs at least, and
// "nodeBudgetMsPerFrame", what the target leaves Node per frame; "ratioToFloor" is the ratio over the
// read+upload floor's, what the app adds to the least this transport costs on the machine at hand.
// BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes flags to ingest's Node.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { rtspFrameCommand, toArgv } from '@xl/media';
import { computeLetterbox, pictureRows } from '@xl/vision';
import { CameraSimulator, repoRoot, requireShared, testRedisUrl, type SimulatedCamera, childrenNamed, cpuSeconds, processTree, rssBytes, treeCpuSeconds } from '@xl/testing';
import { dropTestKeys, FrameDrain, sleep, testPrefixes, waitFor, writeCamerasFile } from '../apps/ingest/src/testing/harness';
import { benchCamera, FLOOR_MODES, type FloorMode } from './lib/ingest-bench';

const WIDTH = 416;
const HEIGHT = 416;
const WARMUP_MS = 4000;
const MiB = 1024 * 1024;
const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** Something measured: CPU seconds used so far and resident memory now. */
interface Subject {
  cpu(): number;
  rss(): number;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** The reader command lines ingest runs, spawned directly with stdout to /dev/null. */
function startBare(cameras: SimulatedCamera[], fps: number): Subject {
  const procs = cameras.map((cam) => {
    const argv = toArgv(rtspFrameCommand({ url: cam.url, fps, width: WIDTH, height: HEIGHT, ioTimeoutSeconds: 5 }));
    // stdin a pipe as under ingest (ffmpeg polls it for 'q'); stderr dropped.
    return spawn('ffmpeg', argv, { stdio: ['pipe', 'ignore', 'ignore'] });
  });
  return {
    cpu: () => procs.reduce((sum, p) => sum + cpuSeconds(p.pid!), 0),
    rss: () => procs.reduce((sum, p) => sum + rssBytes(p.pid!), 0),
    stop: async () => {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map(exited));
    },
  };
}

interface IngestSubject extends Subject {
  /** CPU of the Node process alone. */
  nodeCpu(): number;
  /** xl_ingest_frames_total summed over cameras, by outcome, and xl_ffmpeg_restarts_total as ffmpeg_restarts. */
  frames(): Promise<Record<string, number>>;
}

/** The compiled ingest app reading the cameras from a file; measured over its process tree. */
async function startIngest(redis: Redis, cameras: SimulatedCamera[], fps: number): Promise<IngestSubject> {
  const prefixes = testPrefixes('bench-ingest');
  const drain = new FrameDrain(redis, prefixes);
  const port = await freePort();
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'dist/apps/ingest/src/main.js')], {
    env: {
      ...process.env,
      REDIS_URL: testRedisUrl(),
      INGEST_ID: 'bench-ingest',
      KEY_PREFIX: prefixes.keyPrefix,
      QUEUE_PREFIX: prefixes.queuePrefix,
      CAMERAS_FILE: writeCamerasFile(cameras.map((c) => benchCamera(c.id, c.url, fps))),
      INGEST_CAPACITY: String(cameras.length),
      METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
    await drain.close();
    await dropTestKeys(redis, prefixes);
  };
  try {
    const readers = () => childrenNamed(child.pid!, 'ffmpeg').filter(({ argv }) => argv.includes('-rtsp_transport')).length;
    await waitFor(`${cameras.length} ffmpeg readers`, () => readers() === cameras.length, 30_000, 200);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    cpu: () => treeCpuSeconds(child.pid!),
    rss: () => processTree(child.pid!).reduce((sum, pid) => sum + rssBytes(pid), 0),
    nodeCpu: () => cpuSeconds(child.pid!),
    frames: async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const totals: Record<string, number> = {};
      for (const m of text.matchAll(/^xl_ingest_frames_total\{camera="[^"]*",outcome="([^"]+)"\} (\d+)/gm)) {
        totals[m[1]] = (totals[m[1]] ?? 0) + Number(m[2]);
      }
      for (const m of text.matchAll(/^xl_ffmpeg_restarts_total\{[^}]*\} (\d+)/gm)) totals.ffmpeg_restarts = (totals.ffmpeg_restarts ?? 0) + Number(m[1]);
      return totals;
    },
    stop,
  };
}

/**
 * One floor mode measured over `seconds` while the bare ffmpegs still run, from 4 s after its readers
 * are up: its process tree's CPU, its Node's, and the bare ffmpegs' in the same window.
 */
async function measureFloor(mode: FloorMode, bare: Subject, cameras: SimulatedCamera[], fps: number, rate: number, bytes: number, seconds: number) {
  const urls = mode === 'upload' ? [] : cameras.map((c) => c.url);
  const args = [mode, testRedisUrl(), 'xl-bench-floor:', String(fps), String(rate), String(bytes), ...urls];
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/bench/lib/floor-child.js'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const readers = () => childrenNamed(child.pid!, 'ffmpeg').length;
    await waitFor(`${urls.length} floor readers`, () => readers() === urls.length, 90_000, 200);
    await sleep(WARMUP_MS);
    const [tree0, node0, bare0] = [treeCpuSeconds(child.pid!), cpuSeconds(child.pid!), bare.cpu()];
    await sleep(seconds * 1000);
    const [tree1, node1, bare1] = [treeCpuSeconds(child.pid!), cpuSeconds(child.pid!), bare.cpu()];
    child.kill('SIGTERM');
    await exited(child);
    if (child.exitCode !== 0) throw new Error(`floor process (${mode}) exited with ${child.exitCode ?? child.signalCode}`);
    return { ratio: round((tree1 - tree0) / (bare1 - bare0)), nodePctOfBare: round((100 * (node1 - node0)) / (bare1 - bare0), 1) };
  } finally {
    child.kill('SIGKILL');
  }
}

async function measureCount(redis: Redis, clip: string, n: number, fps: number, seconds: number) {
  const sim = new CameraSimulator({ loopSeconds: 600 });
  const subjects: Subject[] = [];
  try {
    const cameras = await sim.start(Array.from({ length: n }, (_, i) => ({ id: `bench-${i + 1}`, clip })));
    const bare = startBare(cameras, fps);
    subjects.push(bare);
    const ingest = await startIngest(redis, cameras, fps);
    subjects.push(ingest);
    await sleep(WARMUP_MS);
    const frames0 = await ingest.frames();
    const [bare0, ingest0, node0, t0] = [bare.cpu(), ingest.cpu(), ingest.nodeCpu(), Date.now()];
    const rss = { bare: 0, ingest: 0 };
    const steps = 4;
    for (let i = 0; i < steps; i++) {
      await sleep((seconds * 1000) / steps);
      rss.bare += bare.rss() / steps;
      rss.ingest += ingest.rss() / steps;
    }
    const [bare1, ingest1, node1, t1] = [bare.cpu(), ingest.cpu(), ingest.nodeCpu(), Date.now()];
    const frames1 = await ingest.frames();
    const { ffmpeg_restarts: restarts = 0, ...counts } = Object.fromEntries(Object.keys(frames1).map((k) => [k, frames1[k] - (frames0[k] ?? 0)]));
    const frames = counts;
    const framesTotal = Object.values(frames).reduce((a, b) => a + b, 0);
    const wall = (t1 - t0) / 1000;
    const pct = (cpu: number) => (100 * cpu) / wall / n;
    // Then, ingest stopped, the bare ffmpegs still running: the floors, at the rate ingest published.
    await ingest.stop();
    subjects.splice(subjects.indexOf(ingest), 1);
    const { width: clipWidth, height: clipHeight } = JSON.parse(readFileSync(clip.replace(/\.mp4$/, '.truth.json'), 'utf8')) as { width: number; height: number };
    const letterbox = computeLetterbox(clipWidth, clipHeight, WIDTH, HEIGHT);
    const frameBytes = pictureRows(letterbox, WIDTH, HEIGHT) * WIDTH * 3;
    const publishedRate = Math.max(1, (frames.published ?? 0) / wall);
    const floor = {} as Record<FloorMode, { ratio: number; nodePctOfBare: number }>;
    for (const mode of FLOOR_MODES) floor[mode] = await measureFloor(mode, bare, cameras, fps, publishedRate, frameBytes, seconds);
    return {
      cameras: n,
      ingestCpuPctPerCamera: round(pct(ingest1 - ingest0), 2),
      bareCpuPctPerCamera: round(pct(bare1 - bare0), 2),
      ratio: round((ingest1 - ingest0) / (bare1 - bare0)),
      nodeCpuPctPerCamera: round(pct(node1 - node0), 2),
      nodeCpuMsPerFrame: round((1000 * (node1 - node0)) / Math.max(1, framesTotal), 3),
      ingestRssMiBPerCamera: round(rss.ingest / MiB / n, 1),
      bareRssMiBPerCamera: round(rss.bare / MiB / n, 1),
      framesPerSecond: round(framesTotal / wall, 1),
      frames,
      ffmpegRestarts: restarts,
      // What the 1.10 target leaves Node per frame, and the floors: ingest reduced to reading frames,
      // to reading them and SETting the published ones' bytes, and to those SETs alone.
      nodeBudgetMsPerFrame: round((1000 * 0.1 * (bare1 - bare0)) / Math.max(1, framesTotal), 3),
      floor,
      // What the app costs over the least any ingest on this transport costs (reading every frame and
      // SETting the published ones), each against the bare ffmpegs of its own window: the part of the
      // ratio the app's own code decides, with this VM's price of reading a socket divided out.
      ratioToFloor: round((ingest1 - ingest0) / (bare1 - bare0) / floor['read+upload'].ratio),
    };
  } finally {
    for (const s of subjects.reverse()) await s.stop();
    await sim.stopAll();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { counts: { type: 'string', default: '8,16,32' }, seconds: { type: 'string', default: '20' }, fps: { type: 'string', default: '2' } },
  });
  const counts = values.counts.split(',').map(Number);
  const seconds = Number(values.seconds);
  const fps = Number(values.fps);
  const clip = requireShared('media/clips/drowning_sub.mp4');
  const redis = new Redis(testRedisUrl());
  const results = [];
  try {
    for (const n of counts) {
      const row = await measureCount(redis, clip, n, fps, seconds);
      console.log(
        `${n} cameras: ingest ${row.ingestCpuPctPerCamera} % of a core per camera (Node ${row.nodeCpuPctPerCamera} %, ${row.nodeCpuMsPerFrame} ms/frame) ` +
          `vs bare ffmpeg ${row.bareCpuPctPerCamera} % → ratio ${row.ratio}; RSS ${row.ingestRssMiBPerCamera} vs ${row.bareRssMiBPerCamera} MiB/camera; ` +
          `${row.framesPerSecond} frames/s (expected ${n * fps}): ${JSON.stringify(row.frames)}, ffmpeg restarts ${row.ffmpegRestarts}; ` +
          `the target leaves Node ${row.nodeBudgetMsPerFrame} ms/frame. Floors (ratio, Node % of bare ffmpeg): ` +
          Object.entries(row.floor).map(([mode, f]) => `${mode} ${f.ratio} (${f.nodePctOfBare} %)`).join(', ') +
          `; ingest over the read+upload floor ${row.ratioToFloor}`,
      );
      results.push(row);
    }
  } finally {
    await redis.quit();
  }
  const last = results[results.length - 1];
  console.log(JSON.stringify({ bench: 'ingest', fps, seconds, counts: results, ratio: last.ratio, target: 1.1, ratioToFloor: last.ratioToFloor }));
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
