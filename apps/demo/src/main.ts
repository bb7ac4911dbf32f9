#!/usr/bin/env node
// `npm run demo`: every scenario clip of ../shared/media/clips as a simulated RTSP camera (main and sub
// stream); alerts-api seeded with a region tree, the cameras (zones from their ground truth) and demo
// users; ingest and analyzer following the configuration the API publishes; alerts watched over the
// API's WebSocket like a console would. Prints live per-camera figures. Ctrl-C stops everything it
// started and nothing else.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { CameraSimulator, repoRoot, scrape, sharedDir, startService, waitForHttp, type ServiceProcess } from '@xl/testing';
import { watchAlerts } from './alert-watch';
import { DemoSiren } from './siren';
import { DEMO_REGIONS, demoCameraConfig, demoRegionOf, findDemoClips, schoolCameras, schoolWaters } from './demo-cameras';
import { parsePromText, sumBy } from './prom-text';

const execFileAsync = promisify(execFile);
/** Stops what the demo started; set once main() has something to stop. */
let stopDemo: ((code: number) => Promise<void>) | null = null;
const INGEST_METRICS = 9201;
const ANALYZER_METRICS = 9202;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clips: { type: 'string', default: path.join(sharedDir(), 'media/clips') },
      'stats-every': { type: 'string', default: '10' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
    },
  });
  const clipsDir = values.clips!;
  if (!existsSync(clipsDir)) {
    console.error(
      `No demo clips at ${clipsDir}.\nTo watch real cameras instead, start alerts-api (docs/api.md), add cameras with POST /cameras or a seed file\n(e.g. cameras:\n  - id: pond-1\n    url: rtsp://user:pass@192.0.2.10/main\n    subUrl: rtsp://user:pass@192.0.2.10/sub\n    zones: [{ id: pond, type: water, polygon: [[0,0.5],[1,0.5],[1,1],[0,1]] }])\nthen run node dist/apps/ingest/src/main.js and node dist/apps/analyzer/src/main.js: they follow the configuration the API publishes.`,
    );
    process.exit(2);
  }
  const apiUrl = `http://127.0.0.1:${values.port}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // The demo's queues and keys are apart from anything else on this Redis.
  const common = { REDIS_URL: redisUrl, QUEUE_PREFIX: 'xl-demo', KEY_PREFIX: 'xl-demo:', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const varDir = path.join(repoRoot, 'var', 'demo');
  const snapshots = path.join(varDir, 'snapshots');
  mkdirSync(varDir, { recursive: true });

  const clips = findDemoClips(clipsDir);
  const simulator = new CameraSimulator({ loopSeconds: 600 });
  const services: ServiceProcess[] = [];
  let stopWatching: (() => void) | null = null;
  const siren = new DemoSiren();
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the demo …');
    stopWatching?.();
    siren.stop();
    await Promise.all(services.map((s) => s.stop()));
    await simulator.stopAll();
    process.exit(code);
  };
  stopDemo = stop;
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const onExit = (name: string) => (code: number | null) => {
    if (!stopping) {
      console.error(`${name} exited (${code}); stopping the demo`);
      void stop(1);
    }
  };

  const served = await simulator.start(clips.flatMap((c) => [{ id: `${c.id}-main`, clip: c.main }, ...(c.sub ? [{ id: `${c.id}-sub`, clip: c.sub }] : [])]));
  const url = (id: string) => served.find((s) => s.id === id)?.url;
  const cameras = clips.map((c) => demoCameraConfig(c, { main: url(`${c.id}-main`)!, sub: url(`${c.id}-sub`) }, demoRegionOf(c.id)));

  // Fresh passwords every run; the seed updates the users to match.
  const pw = () => randomBytes(9).toString('base64url');
  const users = [
    { username: 'admin', password: pw(), role: 'admin' },
    { username: 'town-op', password: pw(), role: 'operator', regionIds: ['town-1'] },
    { username: 'xinhe-school', password: pw(), role: 'school', cameraIds: schoolCameras(clips.map((c) => c.id)), waters: schoolWaters(cameras) },
  ];
  const seedFile = path.join(varDir, 'seed.yaml');
  writeFileSync(seedFile, stringify({ regions: DEMO_REGIONS, cameras, users }));
  const apiEnv = { ...common, PORT: values.port, HOST: '127.0.0.1', DATABASE_URL: `sqlite:${path.join(varDir, 'xueliang.db')}`, SNAPSHOT_DIR: snapshots, EVIDENCE_DIR: path.join(varDir, 'evidence'), JWT_SECRET: randomBytes(48).toString('base64') };
  await execFileAsync(process.execPath, [path.join(repoRoot, 'dist/apps/alerts-api/src/seed.js'), '--file', seedFile], { env: { ...process.env, ...apiEnv } });
  console.log(`${cameras.length} simulated cameras (main + sub stream each) seeded into alerts-api with a region tree and users`);

  services.push(startService('alerts-api', 'alerts-api', apiEnv, onExit('alerts-api')));
  await waitForHttp(`${apiUrl}/readyz`, 30_000);
  services.push(startService('ingest', 'ingest', { ...common, METRICS_PORT: String(INGEST_METRICS), INGEST_CAPACITY: String(cameras.length), RECORDING_DIR: path.join(varDir, 'recordings'), EVIDENCE_DIR: path.join(varDir, 'evidence') }, onExit('ingest')));
  services.push(startService('analyzer', 'analyzer', { ...common, METRICS_PORT: String(ANALYZER_METRICS), SNAPSHOT_DIR: snapshots }, onExit('analyzer')));

  console.log(`
console     ${apiUrl}/console/   (operator and school web console; sign in with a user below)
alerts-api  ${apiUrl}   (OpenAPI ${apiUrl}/docs, WebSocket ${apiUrl.replace('http', 'ws')}/ws)
metrics     ingest http://127.0.0.1:${INGEST_METRICS}/metrics   analyzer http://127.0.0.1:${ANALYZER_METRICS}/metrics   api ${apiUrl}/metrics
users       ${users.map((u) => `${u.username} / ${u.password} (${u.role})`).join('\n            ')}
            e.g. curl -s -X POST ${apiUrl}/auth/login -H 'content-type: application/json' -d '{"username":"admin","password":"${users[0].password}"}'
snapshots   ${path.relative(process.cwd(), snapshots)}
Ctrl-C stops the demo.
`);

  // The Xinhe school's siren at the water: a webhook narrowed to the school's waters, alarms only
  // (none without the Xinhe clips: a webhook with no cameras would hear every alarm).
  async function startSiren(): Promise<void> {
    const sirenUrl = await siren.start((call) =>
      console.log(`SIREN  ${new Date().toLocaleTimeString()} [${call.severity}] ${call.cameraId}${call.zoneName ? ` · ${call.zoneName}` : ''}: ${call.message} · signature ${call.signed ? 'ok' : 'BAD'}`),
    );
    const admin = (await (await fetch(`${apiUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: users[0].password }) })).json()) as { accessToken: string };
    const asAdmin = (method: string, route: string, body?: unknown) =>
      fetch(`${apiUrl}${route}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    // The database outlives a run: the siren of the last one is pointed at this run's receiver.
    const sirenName = '新河学校警报器 Xinhe school siren';
    const sirenSecret = randomBytes(24).toString('base64url');
    const subscription = { url: sirenUrl, secret: sirenSecret, cameraIds: users[2].cameraIds, waters: users[2].waters, alarmsOnly: true, enabled: true };
    const existing = ((await (await asAdmin('GET', '/webhooks')).json()) as { items: { id: string; name: string }[] }).items.find((h) => h.name === sirenName);
    const hook = existing ? await asAdmin('PATCH', `/webhooks/${existing.id}`, subscription) : await asAdmin('POST', '/webhooks', { name: sirenName, ...subscription });
    if (!hook.ok) throw new Error(`setting up the school siren's webhook failed: ${hook.status} ${await hook.text()}`);
    siren.useSecret(sirenSecret);
    console.log(`siren       ${sirenUrl}   (webhook: the Xinhe school's waters, alarms only; prints SIREN when it sounds)`);
  }
  if (users[2].cameraIds?.length) await startSiren();

  stopWatching = await watchAlerts(apiUrl, 'admin', users[0].password, (type, alert, latency) => {
    const when = alert.capturedAt ? new Date(alert.capturedAt).toLocaleTimeString() : '';
    const lat = latency !== null ? ` · capture → here ${latency} ms` : '';
    console.log(`${type === 'alert.created' ? 'ALERT ' : 'UPDATE'} ${when} [${alert.severity}] ${alert.cameraId}: ${alert.message}${lat}${alert.snapshotUrl ? ` · ${apiUrl}${alert.snapshotUrl}` : ''}`);
  }, (trouble) => console.warn(trouble));

  const everyMs = Math.max(1, Number(values['stats-every'])) * 1000;
  let previous = new Map<string, number>();
  setInterval(async () => {
    const ingest = await scrape(`http://127.0.0.1:${INGEST_METRICS}/metrics`);
    const analyzer = await scrape(`http://127.0.0.1:${ANALYZER_METRICS}/metrics`);
    // Stopping: the analyzer, gone first, would read as "analysed 0 frames; alerts none".
    if (stopping) return;
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
  // Never leave the API, ingest, analyzer and the simulated cameras running behind a failed start.
  if (stopDemo) void stopDemo(1);
  else process.exit(1);
});
