// One capacity trial: N simulated sub-stream cameras (some moving, the rest static) through the real
// pipeline — ingest, analyzer, alerts-api (SQLite) and an operator's WebSocket — measured over a
// window once every camera is up and the detector is warm.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { CameraSimulator, freePort, repoRoot, requireShared, scrape, startService, testRedisUrl, treeCpuSeconds, truthCamera, uniquePrefix, waitForHttp, type ServiceProcess } from '@xl/testing';
import { parsePromText, sumBy, type PromSample } from '../../apps/demo/src/prom-text';
import { percentile, round } from './stats';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Clips with people or a boat moving most of the time, and the empty street for static cameras. */
export const MOVING_CLIPS = ['drowning_sub', 'crowd_sub', 'night-boat_sub', 'safe-waterside_sub'];
export const STATIC_CLIP = 'static_sub';

export interface TrialOptions {
  cameras: number;
  /** Percent of cameras showing motion (moving clips); the rest show the static street. */
  dutyPercent: number;
  fps: number;
  warmupSeconds: number;
  seconds: number;
  detectorThreads: number;
  log: (line: string) => void;
}

export interface TrialResult {
  cameras: number;
  dutyPercent: number;
  moving: number;
  /** Analysed frames per second of each moving camera over the window: min and median. */
  movingFps: { min: number; median: number };
  /** Frames that had a reason to be analysed but were lost to load (in-flight gate busy, stale), of all such frames. */
  dropRate: number;
  /** Worst single camera's share of lost frames. */
  worstCameraDropRate: number;
  analysedPerSecond: number;
  /** Machine CPU use in the window, % of all cores; and each part in % of one core. */
  cpu: { machinePercent: number; ingest: number; analyzer: number; api: number; simulator: number };
  /** Capture → operator's WebSocket, from every alert push caused by a new detection in the window. */
  latencyMs: { samples: number; p50: number; p95: number; max: number };
  /** Frame age when the analyzer picked it up (histogram, upper bucket bounds). */
  frameAgeMs: { p50: number; p95: number };
  keepsUp: boolean;
  why: string[];
}

interface Reading {
  at: number;
  ingest: PromSample[];
  analyzer: PromSample[];
  cpu: Record<'ingest' | 'analyzer' | 'api' | 'simulator', number>;
  machine: { busy: number; total: number };
}

function machineTicks(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = fields.map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - (v[4] ?? 0), total };
}

/** Upper bound (ms) of the bucket holding percentile p of a histogram's increase between two readings. */
function histogramPercentile(before: PromSample[], after: PromSample[], name: string, p: number): number {
  const buckets = (s: PromSample[]) => new Map(s.filter((x) => x.name === `${name}_bucket`).map((x) => [x.labels.le, x.value]));
  const b0 = buckets(before);
  const rows = [...buckets(after)].map(([le, v]) => ({ le: le === '+Inf' ? Infinity : Number(le), n: v - (b0.get(le) ?? 0) })).sort((a, b) => a.le - b.le);
  const total = rows.at(-1)?.n ?? 0;
  if (!total) return NaN;
  const hit = rows.find((r) => r.n >= (p / 100) * total);
  return hit ? hit.le * 1000 : NaN;
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-bench-pipeline-'));
  const prefix = uniquePrefix('cap');
  const moving = o.dutyPercent > 0 ? Math.max(1, Math.round((o.cameras * o.dutyPercent) / 100)) : 0;
  const specs = Array.from({ length: o.cameras }, (_, i) => {
    const clip = i < moving ? MOVING_CLIPS[i % MOVING_CLIPS.length] : STATIC_CLIP;
    return { id: `cam-${String(i + 1).padStart(3, '0')}`, clipName: clip, clip: requireShared(`media/clips/${clip}.mp4`) };
  });
  const simulator = new CameraSimulator({ loopSeconds: o.warmupSeconds + o.seconds + 180 });
  const services: ServiceProcess[] = [];
  let socket: WebSocket | null = null;
  try {
    const served = await simulator.start(specs.map(({ id, clip }) => ({ id, clip })));
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const seedFile = path.join(dir, 'seed.yaml');
    writeFileSync(
      seedFile,
      stringify({
        regions: [{ id: 'bench-village', name: 'Bench village', level: 'village' }],
        cameras: specs.map((s) => truthCamera(s.id, s.clipName, served.find((c) => c.id === s.id)!.url, { regionId: 'bench-village', fps: o.fps })),
        users: [{ username: 'bench-op', password: 'bench-password-1', role: 'admin' }],
      }),
    );
    const common = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, KEY_PREFIX: `${prefix}:`, LOG_LEVEL: 'error' };
    const apiEnv = { ...common, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, SNAPSHOT_DIR: path.join(dir, 'snapshots'), JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' };
    await execFileAsync(process.execPath, [path.join(repoRoot, 'dist/apps/alerts-api/src/seed.js'), '--file', seedFile], { env: { ...process.env, ...apiEnv } });
    const api = startService('alerts-api', 'alerts-api', apiEnv);
    services.push(api);
    await waitForHttp(`${apiUrl}/readyz`, 30_000);

    // The operator's screen: every push whose capturedAt is new for its alert is a fresh detection.
    const login = await fetch(`${apiUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-op', password: 'bench-password-1' }) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const latencies: { at: number; ms: number }[] = [];
    const lastCapture = new Map<string, number>();
    socket = new WebSocket(`${apiUrl.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${accessToken}` } });
    socket.on('message', (raw) => {
      const now = Date.now();
      const msg = JSON.parse(String(raw)) as { type: string; data?: { id: string; capturedAt?: number } };
      if ((msg.type !== 'alert.created' && msg.type !== 'alert.updated') || !msg.data?.capturedAt) return;
      if ((lastCapture.get(msg.data.id) ?? 0) >= msg.data.capturedAt) return;
      lastCapture.set(msg.data.id, msg.data.capturedAt);
      latencies.push({ at: now, ms: now - msg.data.capturedAt });
    });
    await new Promise((resolve, reject) => socket!.once('open', resolve).once('error', reject));

    const ingestPort = await freePort();
    const analyzerPort = await freePort();
    const ingest = startService('ingest', 'ingest', { ...common, METRICS_PORT: String(ingestPort), INGEST_CAPACITY: String(o.cameras) });
    const analyzer = startService('analyzer', 'analyzer', { ...common, METRICS_PORT: String(analyzerPort), SNAPSHOT_DIR: path.join(dir, 'snapshots'), DETECTOR_THREADS: String(o.detectorThreads) });
    services.push(ingest, analyzer);

    const alive = () => {
      const dead = services.find((s) => s.child.exitCode !== null || s.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode})`);
    };
    const read = async (): Promise<Reading> => ({
      at: performance.now(),
      ingest: parsePromText((await scrape(`http://127.0.0.1:${ingestPort}/metrics`)) ?? ''),
      analyzer: parsePromText((await scrape(`http://127.0.0.1:${analyzerPort}/metrics`)) ?? ''),
      cpu: {
        ingest: treeCpuSeconds(ingest.child.pid!),
        analyzer: treeCpuSeconds(analyzer.child.pid!),
        api: treeCpuSeconds(api.child.pid!),
        simulator: served.reduce((sum, c) => sum + treeCpuSeconds(c.pid), 0),
      },
      machine: machineTicks(),
    });

    // Every camera delivering, then the warm-up (detector, tracks, baselines). Starting many cameras
    // at once on 2 cores takes a while (one ffmpeg spawn each, every RTSP session set up at once).
    const upWithinMs = 30_000 + 1000 * o.cameras;
    const upBy = Date.now() + upWithinMs;
    const startedAt = Date.now();
    for (;;) {
      const up = [...sumBy((await read()).ingest, 'xl_camera_up', 'camera').values()].filter((v) => v > 0).length;
      alive();
      if (up === o.cameras) break;
      if (Date.now() > upBy) throw new Error(`only ${up} of ${o.cameras} cameras up after ${upWithinMs / 1000} s`);
      await sleep(500);
    }
    o.log(`  ${o.cameras} cameras up ${((Date.now() - startedAt) / 1000).toFixed(1)} s after ingest started`);
    await sleep(o.warmupSeconds * 1000);
    alive();
    const r0 = await read();
    const windowStart = Date.now();
    await sleep(o.seconds * 1000);
    alive();
    const r1 = await read();
    const seconds = (r1.at - r0.at) / 1000;

    const frames = (r: Reading, outcome: string) => sumBy(r.ingest, 'xl_ingest_frames_total', 'camera', { outcome });
    const [pub0, pub1, drop0, drop1] = [frames(r0, 'published'), frames(r1, 'published'), frames(r0, 'dropped_inflight'), frames(r1, 'dropped_inflight')];
    const outcomes = (r: Reading) => sumBy(r.analyzer, 'xl_analyzer_frames_total', 'outcome');
    const [a0, a1] = [outcomes(r0), outcomes(r1)];
    const delta = (m1: Map<string, number>, m0: Map<string, number>, k: string) => (m1.get(k) ?? 0) - (m0.get(k) ?? 0);
    const analysed = delta(a1, a0, 'analysed');
    const lostInAnalyzer = [...a1.keys()].filter((k) => k !== 'analysed').reduce((s, k) => s + delta(a1, a0, k), 0);
    const perCamera = specs.map((s, i) => {
      const published = delta(pub1, pub0, s.id);
      const dropped = delta(drop1, drop0, s.id);
      return { moving: i < moving, published, dropped, dropRate: published + dropped ? dropped / (published + dropped) : 0 };
    });
    const wanted = perCamera.reduce((s, c) => s + c.published + c.dropped, 0);
    const lost = perCamera.reduce((s, c) => s + c.dropped, 0) + lostInAnalyzer;
    // The analyzer's losses (stale, errors) are not per camera: spread them evenly over the published.
    const analysedShare = analysed / Math.max(1, analysed + lostInAnalyzer);
    const movingFps = perCamera.filter((c) => c.moving).map((c) => (c.published * analysedShare) / seconds).sort((a, b) => a - b);
    const lat = latencies.filter((l) => l.at >= windowStart).map((l) => l.ms).sort((a, b) => a - b);
    const cpuOf = (k: keyof Reading['cpu']) => round(((r1.cpu[k] - r0.cpu[k]) / seconds) * 100, 1);
    const machinePercent = round(((r1.machine.busy - r0.machine.busy) / (r1.machine.total - r0.machine.total)) * 100, 1);

    const dropRate = wanted ? lost / wanted : 0;
    const worstCameraDropRate = Math.max(0, ...perCamera.map((c) => c.dropRate));
    const p95 = percentile(lat, 95);
    const why: string[] = [];
    // "≥ 2 analysed fps when it has motion" at fps 2: no more than 5 % of the frames that had motion lost.
    const minFps = movingFps[0] ?? o.fps;
    if (worstCameraDropRate > 0.05) why.push(`a camera lost ${(worstCameraDropRate * 100).toFixed(1)} % of its frames (in-flight gate busy)`);
    if (wanted && lostInAnalyzer / wanted > 0.05) why.push(`analyzer dropped ${lostInAnalyzer} frames (stale/error)`);
    if (lat.length < 3) why.push(`only ${lat.length} alert pushes to time`);
    else if (p95 > 300) why.push(`p95 capture → WebSocket ${p95} ms > 300 ms`);
    return {
      cameras: o.cameras,
      dutyPercent: o.dutyPercent,
      moving,
      movingFps: { min: round(minFps, 2), median: round(movingFps[Math.floor(movingFps.length / 2)] ?? NaN, 2) },
      dropRate: round(dropRate, 4),
      worstCameraDropRate: round(worstCameraDropRate, 4),
      analysedPerSecond: round(analysed / seconds, 1),
      cpu: { machinePercent, ingest: cpuOf('ingest'), analyzer: cpuOf('analyzer'), api: cpuOf('api'), simulator: cpuOf('simulator') },
      latencyMs: { samples: lat.length, p50: percentile(lat, 50), p95, max: lat.at(-1) ?? NaN },
      frameAgeMs: { p50: histogramPercentile(r0.analyzer, r1.analyzer, 'xl_frame_age_seconds', 50), p95: histogramPercentile(r0.analyzer, r1.analyzer, 'xl_frame_age_seconds', 95) },
      keepsUp: why.length === 0,
      why,
    };
  } finally {
    socket?.close();
    await Promise.all(services.map((s) => s.stop()));
    await simulator.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}
