// npm run soak -- [--minutes 20] [--cameras 16] [--fps 2] [--sample-seconds 10] [--warmup-seconds 60]
// The whole pipeline for a long run: N simulated cameras (every scenario clip in turn) → ingest →
// analyzer → alerts-api (SQLite) → an operator's WebSocket, on a Redis of its own (AOF, as compose runs
// it) so its key count and memory are the run's alone. Every sample reads each process's resident
// memory and open file descriptors from /proc and Redis's DBSIZE and used_memory. After the warm-up,
// a least-squares slope per series says whether anything grows: MiB/hour for memory, per hour for
// keys and descriptors. Prints a progress line per sample and one JSON object last. Not part of jest.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { CameraSimulator, childrenNamed, openFds, Pipeline, PushWatcher, requireShared, rssBytes, scrape, startRedisServer, truthCamera, uniquePrefix } from '@xl/testing';
import { parsePromText, sumBy } from '../apps/demo/src/prom-text';
import { round, slope } from './lib/stats';

const CLIPS = ['drowning_sub', 'crowd_sub', 'night-boat_sub', 'safe-waterside_sub', 'static_sub', 'tamper-cover_sub', 'tamper-freeze_sub'];
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  t: number;
  rssMiB: Record<string, number>;
  fds: Record<string, number>;
  redisKeys: number;
  redisUsedMiB: number;
}

/** Series summary: first and last value after the warm-up, max, and the fitted slope per hour. */
function summarise(points: { t: number; v: number }[], digits = 1) {
  const hours = points.map((p) => p.t / 3600_000);
  return {
    start: round(points[0]?.v ?? NaN, digits),
    end: round(points.at(-1)?.v ?? NaN, digits),
    max: round(Math.max(...points.map((p) => p.v)), digits),
    slopePerHour: round(slope(hours, points.map((p) => p.v)), 2),
  };
}

/** Redis keys at the end grouped by shape (ids and numbers as *): what the key count is made of. */
async function keyKinds(url: string): Promise<Record<string, number>> {
  const client = new Redis(url);
  const kinds = new Map<string, number>();
  for await (const keys of client.scanStream({ count: 1000 }) as AsyncIterable<string[]>) {
    for (const key of keys) {
      const kind = key
        .replace(/^xltest:soak:[0-9a-f]+/, 'P')
        .replace(/\{[^}]*\}/g, '{*}')
        .replace(/[0-9a-f]{16}/g, '*')
        .replace(/\d+/g, '*');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
  client.disconnect();
  return Object.fromEntries([...kinds].sort((x, y) => y[1] - x[1]).slice(0, 12));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '20' },
      cameras: { type: 'string', default: '16' },
      fps: { type: 'string', default: '2' },
      'sample-seconds': { type: 'string', default: '10' },
      'warmup-seconds': { type: 'string', default: '60' },
    },
  });
  const minutes = Number(values.minutes);
  const cameras = Number(values.cameras);
  const sampleMs = Number(values['sample-seconds']) * 1000;
  const warmupMs = Number(values['warmup-seconds']) * 1000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-soak-'));
  mkdirSync(path.join(dir, 'redis'));
  const redis = await startRedisServer({ dir: path.join(dir, 'redis') });
  const simulator = new CameraSimulator({ loopSeconds: minutes * 60 + warmupMs / 1000 + 120 });
  const specs = Array.from({ length: cameras }, (_, i) => ({ id: `cam-${String(i + 1).padStart(2, '0')}`, clipName: CLIPS[i % CLIPS.length] }));
  let pipeline: Pipeline | null = null;
  let watcher: PushWatcher | null = null;
  try {
    const served = await simulator.start(specs.map((s) => ({ id: s.id, clip: requireShared(`media/clips/${s.clipName}.mp4`) })));
    pipeline = await Pipeline.seed({
      dir,
      redisUrl: redis.url,
      prefix: uniquePrefix('soak'),
      env: { LOG_LEVEL: 'error' },
      seed: {
        regions: [{ id: 'soak-village', name: 'Soak village', level: 'village' }],
        cameras: specs.map((s) => truthCamera(s.id, s.clipName, served.find((c) => c.id === s.id)!.url, { regionId: 'soak-village', fps: Number(values.fps) })),
        users: [{ username: 'soak-admin', password: 'soak-password-1', role: 'admin' }],
      },
    });
    const api = await pipeline.startApi();
    watcher = new PushWatcher([api.url], await pipeline.login(api, 'soak-admin', 'soak-password-1'));
    await watcher.start();
    const ingest = await pipeline.startIngest('ingest', { INGEST_CAPACITY: String(cameras) });
    const analyzer = await pipeline.startAnalyzer();
    const apps = pipeline.apps;

    const pids = (): Record<string, number[]> => ({
      'alerts-api': [api.child.pid!],
      ingest: [ingest.child.pid!],
      'ingest-ffmpeg': childrenNamed(ingest.child.pid!, 'ffmpeg').map((c) => c.pid),
      analyzer: [analyzer.child.pid!],
      'redis-server': redis.pid ? [redis.pid] : [],
      'camera-simulator': served.map((c) => c.pid),
    });
    const sample = async (t: number): Promise<Sample> => {
      const rssMiB: Record<string, number> = {};
      const fds: Record<string, number> = {};
      for (const [name, list] of Object.entries(pids())) {
        rssMiB[name] = list.reduce((sum, p) => sum + rssBytes(p), 0) / MiB;
        fds[name] = list.reduce((sum, p) => sum + openFds(p), 0);
      }
      const info = await redis.command('INFO', 'memory');
      return { t, rssMiB, fds, redisKeys: Number(await redis.command('DBSIZE').then((r) => r.replace(/^:/, ''))), redisUsedMiB: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN) / MiB };
    };

    const startedAt = Date.now();
    const endAt = startedAt + warmupMs + minutes * 60_000;
    const samples: Sample[] = [];
    console.error(`soak: ${cameras} cameras at ${values.fps} fps for ${minutes} min after a ${warmupMs / 1000} s warm-up; a sample every ${sampleMs / 1000} s`);
    while (Date.now() < endAt) {
      await sleep(sampleMs);
      const dead = apps.filter((a) => a.child.exitCode !== null || a.child.signalCode !== null);
      if (dead.length) throw new Error(`${dead.map((a) => `${a.name} exited (${a.child.exitCode ?? a.child.signalCode})`).join(', ')}: ${dead[0].output().slice(-2000)}`);
      const s = await sample(Date.now() - startedAt);
      samples.push(s);
      const rss = Object.entries(s.rssMiB).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' ');
      console.error(`${(s.t / 1000).toFixed(0).padStart(5)} s  rss MiB: ${rss}  redis keys ${s.redisKeys} used ${s.redisUsedMiB.toFixed(1)} MiB  alerts pushed ${watcher.createdCounts().size}`);
    }

    const measured = samples.filter((s) => s.t >= warmupMs);
    const series = (pick: (s: Sample) => number) => measured.map((s) => ({ t: s.t - warmupMs, v: pick(s) }));
    const names = Object.keys(measured[0]?.rssMiB ?? {});
    const analyzerText = parsePromText((await scrape(`${analyzer.url}/metrics`)) ?? '');
    const ingestText = parsePromText((await scrape(`${ingest.url}/metrics`)) ?? '');
    const result = {
      minutes,
      cameras,
      fps: Number(values.fps),
      samples: measured.length,
      processes: Object.fromEntries(names.map((n) => [n, { rssMiB: summarise(series((s) => s.rssMiB[n])), fds: summarise(series((s) => s.fds[n]), 0) }])),
      redis: { keys: summarise(series((s) => s.redisKeys), 0), usedMemoryMiB: summarise(series((s) => s.redisUsedMiB), 2) },
      frames: {
        ingest: Object.fromEntries(sumBy(ingestText, 'xl_ingest_frames_total', 'outcome')),
        analyzer: Object.fromEntries(sumBy(analyzerText, 'xl_analyzer_frames_total', 'outcome')),
      },
      ffmpegRestarts: Object.fromEntries(sumBy(ingestText, 'xl_ffmpeg_restarts_total', 'reason')),
      alerts: { created: watcher.createdCounts().size, duplicatesOnWebSocket: watcher.duplicateSeqs().length },
      redisKeysByKind: await keyKinds(redis.url),
    };
    console.log(JSON.stringify(result));
  } finally {
    watcher?.close();
    await pipeline?.stop();
    await simulator.stopAll();
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`soak failed: ${err.stack ?? err.message}`);
  process.exit(1);
});
