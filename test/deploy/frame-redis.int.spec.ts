// The two Redis of docker/compose.yaml and docker/k8s, each started with the arguments compose gives
// it: `redis` (AOF, everysec) for queues, gates, leases and state, `redis-frames` (no persistence) for
// the frame bytes. The compiled ingest reads a simulated RTSP camera and the compiled analyzer analyses
// its frames, both with FRAME_REDIS_URL on the second: every frame's bytes must land there and be
// taken from there, while the in-flight gate and the frame job stay on REDIS_URL, and no frame reaches
// the main Redis's AOF (it did: ~0.3 MB per frame, ~9 MB/s of disk writes at 16 cameras).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { HotMarks } from '@xl/queue';
import { CameraSimulator, describeWithShared, freePort, scrape, sharedPath, startRedisServer, startService, uniquePrefix, type RedisServer, type ServiceProcess } from '@xl/testing';
import { testCamera, waitFor, writeCamerasFile } from '../../apps/ingest/src/testing/harness';
import { readYaml, workerFilesIn } from './deploy-files';

jest.setTimeout(120_000);

const CLIP = 'media/clips/drowning_sub.mp4';
const CAMERA = 'shore';
/** Frames the analyzer must have analysed before the keys and the AOF are judged. */
const FRAMES = 6;
/** One frame's picture rows: drowning_sub is 640×360, letterboxed into 416×416 as 416×234. */
const FRAME_BYTES = 416 * 234 * 3;

const composeCommand = (service: string) => readYaml<{ services: Record<string, { command: string[] }> }>('compose.yaml').services[service].command.slice(1);

/** Everything in the main Redis's append-only directory, as one latin1 string. */
function aofText(dir: string): { bytes: number; text: string } {
  const aofDir = path.join(dir, 'appendonlydir');
  const files = readdirSync(aofDir).map((name) => path.join(aofDir, name));
  return { bytes: files.reduce((sum, f) => sum + statSync(f).size, 0), text: files.map((f) => readFileSync(f, 'latin1')).join('') };
}

async function counter(metricsUrl: string, name: string, labels: string): Promise<number> {
  const text = (await scrape(metricsUrl)) ?? '';
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function readyz(port: number): Promise<number | string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(4000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return `no answer (${(err as Error).message})`;
  }
}

describeWithShared([CLIP, 'models/yolox_nano.onnx'])('frame bytes in a Redis of their own (FRAME_REDIS_URL)', () => {
  let dir: string;
  let main: RedisServer;
  let frames: RedisServer;
  let mainClient: Redis;
  let framesClient: Redis;
  let sim: CameraSimulator;
  let apps: ServiceProcess[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'xl-frame-redis-'));
    for (const name of ['main', 'frames']) mkdirSync(path.join(dir, name));
    main = await startRedisServer({ dir: path.join(dir, 'main'), extraArgs: composeCommand('redis') });
    frames = await startRedisServer({ dir: path.join(dir, 'frames'), appendOnly: false, extraArgs: composeCommand('redis-frames') });
    mainClient = new Redis(main.url);
    framesClient = new Redis(frames.url, { maxRetriesPerRequest: 1 });
    sim = new CameraSimulator({ loopSeconds: 120 });
    apps = [];
  });

  afterEach(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sim.stopAll();
    mainClient.disconnect();
    framesClient.disconnect();
    await main.kill();
    await frames.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { FRAME_UPLOAD: 'direct', FRAME_DOWNLOAD: 'direct' },
    { FRAME_UPLOAD: 'ioredis', FRAME_DOWNLOAD: 'ioredis' },
  ])('ingest puts them there and the analyzer takes them from there; gate and job stay on REDIS_URL, the AOF gets no frame ($FRAME_UPLOAD / $FRAME_DOWNLOAD)', async (modes) => {
    expect((await framesClient.info('persistence')).match(/^aof_enabled:(\d)/m)?.[1]).toBe('0');
    const [cam] = await sim.start([{ id: CAMERA, clip: sharedPath(CLIP)! }]);
    const camerasFile = writeCamerasFile([testCamera(CAMERA, cam.url, { fps: 2 })]);
    const { models } = workerFilesIn(dir);
    const prefix = uniquePrefix('frame-redis');
    const keyPrefix = `${prefix}:`;
    const common = { REDIS_URL: main.url, FRAME_REDIS_URL: frames.url, QUEUE_PREFIX: prefix, KEY_PREFIX: keyPrefix, CAMERAS_FILE: camerasFile, LOG_LEVEL: 'warn' };
    const [ingestPort, analyzerPort] = await Promise.all([freePort(), freePort()]);
    // Hot: every frame is published, not only those with motion.
    await new HotMarks(mainClient, { keyPrefix }).mark(CAMERA, 120_000);
    apps.push(startService('ingest', 'ingest', { ...common, METRICS_PORT: String(ingestPort), FRAME_UPLOAD: modes.FRAME_UPLOAD }, undefined, { captureOutput: true }));
    apps.push(
      startService('analyzer', 'analyzer', { ...common, METRICS_PORT: String(analyzerPort), FRAME_DOWNLOAD: modes.FRAME_DOWNLOAD, MODELS_DIR: models, DETECTOR_THREADS: '1', CONCURRENCY: '2', SNAPSHOT_DIR: path.join(dir, 'snapshots') }, undefined, {
        captureOutput: true,
      }),
    );
    const report = () => apps.map((a) => `--- ${a.name}:\n${a.output().slice(-3000)}`).join('\n');

    // Key names seen on each server while the frames flow (the frame bytes live for milliseconds).
    const seen = { main: new Set<string>(), frames: new Set<string>() };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [onMain, onFrames] = await Promise.all([mainClient.keys(`${keyPrefix}*`), framesClient.keys('*')]);
        onMain.forEach((k) => seen.main.add(k));
        onFrames.forEach((k) => seen.frames.add(k));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const frameOutcome = (outcome: string) => counter(`http://127.0.0.1:${analyzerPort}/metrics`, 'xl_analyzer_frames_total', `outcome="${outcome}"`);
    try {
      await waitFor(`${FRAMES} frames analysed, or one whose bytes the analyzer did not find`, async () => (await frameOutcome('analysed')) >= FRAMES || (await frameOutcome('missing')) > 0, 90_000, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${report()}`);
    } finally {
      sampling = false;
      await sampler;
    }

    // The analyzer found every frame's bytes where ingest put them.
    expect({ missing: await frameOutcome('missing'), analysed: (await frameOutcome('analysed')) >= FRAMES }).toEqual({ missing: 0, analysed: true });
    // Every frame was written to the frames Redis and taken from it (SET, GETDEL), and nothing else
    // was: no queue, gate (compare-and-delete script) or state command ever reached it.
    const calls = (info: string, command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const framesStats = await framesClient.info('commandstats');
    expect(calls(framesStats, 'set')).toBeGreaterThanOrEqual(FRAMES);
    expect(calls(framesStats, 'getdel')).toBeGreaterThanOrEqual(FRAMES);
    const framesCommands = [...framesStats.matchAll(/^cmdstat_([\w|]+):/gm)].map((m) => m[1]);
    expect(framesCommands.filter((c) => !['set', 'getdel', 'select', 'client|setname', 'info', 'ping', 'keys', 'hello', 'auth'].includes(c))).toEqual([]);
    // Keys seen while sampling (a frame lives for milliseconds, so this may catch few): frame keys only
    // on the frames Redis, never one on the main Redis.
    const frameKey = new RegExp(`^${keyPrefix}xl:frame:\\{${CAMERA}\\}:\\d+$`);
    expect([...seen.frames].filter((k) => !frameKey.test(k))).toEqual([]);
    expect([...seen.main].filter((k) => frameKey.test(k))).toEqual([]);

    // Everything the main Redis wrote: the gate (its value is the frame key) and the frame jobs (which
    // name it too) are there; no SET of a frame key is, and the whole AOF (~51 KB: jobs, state, a
    // latest-picture JPEG every 5 s) is less than half the frames' bytes (before, it held every
    // published frame: ~1.8 MB here).
    const aof = aofText(path.join(dir, 'main'));
    expect(aof.text).toContain(`${keyPrefix}xl:inflight:{${CAMERA}}`);
    expect(aof.text).toContain(`"key":"${keyPrefix}xl:frame:{${CAMERA}}:`);
    expect(aof.text).not.toMatch(new RegExp(`\\$3\\r\\nset\\r\\n\\$\\d+\\r\\n${keyPrefix}xl:frame:`, 'i'));
    expect(aof.bytes).toBeLessThan((FRAMES * FRAME_BYTES) / 2);

    // Both apps report the frames Redis in their readiness: without it they publish or analyse nothing.
    expect([await readyz(ingestPort), await readyz(analyzerPort)]).toEqual([200, 200]);
    await frames.kill();
    await waitFor('/readyz of ingest and the analyzer other than 200 without the frames Redis', async () => (await readyz(ingestPort)) !== 200 && (await readyz(analyzerPort)) !== 200, 20_000, 250);
  });
});
