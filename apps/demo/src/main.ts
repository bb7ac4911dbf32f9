#!/usr/bin/env node
// `npm run demo`: every scenario clip of ../shared/media/clips as a simulated RTSP camera (main and sub
// stream), then ingest and analyzer on them; prints live per-camera figures and alerts. Ctrl-C stops
// everything it started and nothing else.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { ALERTS_QUEUE, type AlertEvent } from '@xl/contracts';
import { CameraSimulator, repoRoot, sharedDir } from '@xl/testing';
import { demoCameraConfig, findDemoClips } from './demo-cameras';
import { parsePromText, sumBy } from './prom-text';
import { scrape, startService, type ServiceProcess } from './services';

const INGEST_METRICS = 9201;
const ANALYZER_METRICS = 9202;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clips: { type: 'string', default: path.join(sharedDir(), 'media/clips') }, 'stats-every': { type: 'string', default: '5' } } });
  const clipsDir = values.clips!;
  if (!existsSync(clipsDir)) {
    console.error(
      `No demo clips at ${clipsDir}.\nTo watch real cameras instead, write a cameras file (docs/ingest.md, e.g. cameras:\n  - id: pond-1\n    url: rtsp://user:pass@192.0.2.10/main\n    subUrl: rtsp://user:pass@192.0.2.10/sub\n    zones: [{ id: pond, type: water, polygon: [[0,0.5],[1,0.5],[1,1],[0,1]] }])\nand run: CAMERAS_FILE=cameras.yaml node dist/apps/ingest/src/main.js & CAMERAS_FILE=cameras.yaml node dist/apps/analyzer/src/main.js`,
    );
    process.exit(2);
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = process.env.QUEUE_PREFIX ?? 'xl-demo';
  const varDir = path.join(repoRoot, 'var', 'demo');
  mkdirSync(varDir, { recursive: true });

  const clips = findDemoClips(clipsDir);
  const simulator = new CameraSimulator({ loopSeconds: 600 });
  const services: ServiceProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the demo …');
    await Promise.all(services.map((s) => s.stop()));
    await simulator.stopAll();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const served = await simulator.start(clips.flatMap((c) => [{ id: `${c.id}-main`, clip: c.main }, ...(c.sub ? [{ id: `${c.id}-sub`, clip: c.sub }] : [])]));
  const url = (id: string) => served.find((s) => s.id === id)?.url;
  const cameras = clips.map((c) => demoCameraConfig(c, { main: url(`${c.id}-main`)!, sub: url(`${c.id}-sub`) }));
  const camerasFile = path.join(varDir, 'cameras.yaml');
  writeFileSync(camerasFile, stringify({ cameras }));
  console.log(`${cameras.length} simulated cameras (main + sub stream each), configuration in ${path.relative(process.cwd(), camerasFile)}`);

  const common = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, CAMERAS_FILE: camerasFile, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const onExit = (name: string) => (code: number | null) => {
    if (!stopping) {
      console.error(`${name} exited (${code}); stopping the demo`);
      void stop(1);
    }
  };
  services.push(startService('ingest', 'ingest', { ...common, METRICS_PORT: String(INGEST_METRICS), INGEST_CAPACITY: String(cameras.length) }, onExit('ingest')));
  services.push(startService('analyzer', 'analyzer', { ...common, METRICS_PORT: String(ANALYZER_METRICS), SNAPSHOT_DIR: path.join(varDir, 'snapshots') }, onExit('analyzer')));
  console.log(`ingest   metrics http://127.0.0.1:${INGEST_METRICS}/metrics\nanalyzer metrics http://127.0.0.1:${ANALYZER_METRICS}/metrics\nsnapshots ${path.relative(process.cwd(), path.join(varDir, 'snapshots'))}\nCtrl-C stops the demo.\n`);

  // Alerts as they are queued (the demo only watches; it does not consume them).
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const alerts = new Queue<AlertEvent>(ALERTS_QUEUE, { connection, prefix });
  const events = new QueueEvents(ALERTS_QUEUE, { connection: connection.duplicate(), prefix });
  events.on('waiting', ({ jobId }) => {
    void alerts.getJob(jobId).then((job) => {
      const a = job?.data;
      if (a?.kind === 'created') console.log(`ALERT ${new Date(a.capturedAt).toLocaleTimeString()} [${a.severity}] ${a.cameraId}: ${a.message}${a.snapshotPath ? ` (snapshot ${a.snapshotPath})` : ''}`);
    });
  });

  const everyMs = Math.max(1, Number(values['stats-every'])) * 1000;
  let previous = new Map<string, number>();
  setInterval(async () => {
    const ingest = await scrape(`http://127.0.0.1:${INGEST_METRICS}/metrics`);
    const analyzer = await scrape(`http://127.0.0.1:${ANALYZER_METRICS}/metrics`);
    if (!ingest) return console.log('(ingest metrics not up yet)');
    const s = parsePromText(ingest);
    const published = sumBy(s, 'xl_ingest_frames_total', 'camera', { outcome: 'published' });
    const skipped = sumBy(s, 'xl_ingest_frames_total', 'camera', { outcome: 'skipped_no_motion' });
    const dropped = sumBy(s, 'xl_ingest_frames_total', 'camera', { outcome: 'dropped_inflight' });
    const up = sumBy(s, 'xl_camera_up', 'camera');
    const rows = cameras.map((c) => {
      const p = published.get(c.id) ?? 0;
      const rate = (p - (previous.get(c.id) ?? 0)) / (everyMs / 1000);
      return `${c.id.padEnd(16)} ${up.get(c.id) ? 'up  ' : 'DOWN'} ${rate.toFixed(1).padStart(5)} fps  published ${String(p).padStart(6)}  no-motion ${String(skipped.get(c.id) ?? 0).padStart(6)}  dropped ${String(dropped.get(c.id) ?? 0).padStart(4)}`;
    });
    previous = published;
    const a = analyzer ? parsePromText(analyzer) : [];
    const analysed = sumBy(a, 'xl_analyzer_frames_total', 'outcome').get('analysed') ?? 0;
    const alertsByRule = sumBy(a, 'xl_alerts_emitted_total', 'rule', { kind: 'created' });
    console.log(`--- ${new Date().toLocaleTimeString()} --- analysed ${analysed} frames; alerts ${[...alertsByRule].map(([r, n]) => `${r}=${n}`).join(' ') || 'none'}\n${rows.join('\n')}`);
  }, everyMs).unref();
}

main().catch((err: Error) => {
  console.error(`demo failed: ${err.message}`);
  process.exit(1);
});
