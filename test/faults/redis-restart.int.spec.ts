// Fault: the Redis everything goes through is SIGKILLed in the middle of a run and comes back (AOF,
// fsync every second, as docker/compose runs it). Real processes: RTSP cameras → ingest → analyzer →
// alerts-api → an operator's WebSocket. The person walks into the water while Redis is down: the
// alert must still reach the operator afterwards, every alert the analyzer raised must be stored and
// pushed exactly once, and every app must come back by itself. Figures are printed for docs/reliability.md.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CameraSimulator, describeWithShared, Pipeline, PushWatcher, scrape, sharedPath, startRedisServer, truthCamera, uniquePrefix, type PipelineApp, type RedisServer } from '@xl/testing';
import { keepLogs, raisedAlerts, metricTotal, sleep, storedAlertIds, waitUntil } from './fault-kit';

jest.setTimeout(90_000);
const DROWNING = 'media/clips/drowning_sub.mp4';
const STATIC = 'media/clips/static_sub.mp4';
const OUTAGE_MS = 4000;

describeWithShared([DROWNING, STATIC])('fault: Redis killed and restarted mid-run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-fault-redis-'));
  const simulator = new CameraSimulator({ loopSeconds: 120 });
  let redis: RedisServer;
  let pipeline: Pipeline;
  let watcher: PushWatcher;

  afterAll(async () => {
    watcher?.close();
    await pipeline?.stop();
    keepLogs('redis-restart', pipeline);
    await simulator.stopAll();
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every app reconnects by itself; the alert for what happened during the outage is delivered after it; none lost or doubled', async () => {
    mkdirSync(path.join(dir, 'redis'));
    // XL_FAULT_REDIS_AOF=no runs the same fault against a Redis without persistence (docs/reliability.md).
    redis = await startRedisServer({ dir: path.join(dir, 'redis'), appendOnly: process.env.XL_FAULT_REDIS_AOF !== 'no' });
    const cams = await simulator.start([
      { id: 'drown-1', clip: sharedPath(DROWNING)! },
      { id: 'drown-2', clip: sharedPath(DROWNING)! },
      { id: 'street', clip: sharedPath(STATIC)! },
    ]);
    const url = (id: string) => cams.find((c) => c.id === id)!.url;
    pipeline = await Pipeline.seed({
      dir,
      redisUrl: redis.url,
      prefix: uniquePrefix('fault-redis'),
      seed: {
        regions: [{ id: 'vil', name: 'Village', level: 'village' }],
        cameras: [truthCamera('drown-1', 'drowning_sub', url('drown-1'), { regionId: 'vil' }), truthCamera('drown-2', 'drowning_sub', url('drown-2'), { regionId: 'vil' }), truthCamera('street', 'static_sub', url('street'), { regionId: 'vil' })],
        users: [{ username: 'op', password: 'fault-password-1', role: 'operator', regionIds: ['vil'] }],
      },
    });
    const api = await pipeline.startApi();
    watcher = new PushWatcher([api.url], await pipeline.login(api, 'op', 'fault-password-1'));
    await watcher.start();
    const ingest = await pipeline.startIngest('ingest', { LOG_LEVEL: 'info' });
    const analyzer = await pipeline.startAnalyzer('analyzer', { LOG_LEVEL: 'info' });
    const apps = [api, ingest, analyzer];

    // The person walks into the water (zone_enter, pushed), then Redis dies while they are in it; they
    // go under during the outage: the vanish (critical) can only come after Redis is back.
    const enter = (cam: string) => watcher.events.find((e) => e.type === 'alert.created' && e.data?.cameraId === cam && e.data?.rule === 'zone_enter');
    const entered = await Promise.all(['drown-1', 'drown-2'].map((cam) => watcher.waitFor(`zone_enter of ${cam}`, () => enter(cam), 50_000)));
    for (const alert of entered) expect(alert.data!.hasSnapshot).toBe(true);
    // Long enough in the water for the vanish rule (minTrackedSeconds 1): without frames it never sees
    // the person go under, so what it saw before the outage is what the alert rests on.
    await sleep(1500);
    await redis.kill();
    const killedAt = Date.now();
    await sleep(OUTAGE_MS);
    await redis.start();
    const restartedAt = Date.now();

    const analysedAtRestart = await metricTotal(analyzer, 'xl_analyzer_frames_total', { outcome: 'analysed' });
    const [readyAfterMs, framesAfterMs] = await Promise.all([
      Promise.all(
        apps.map(async (a) => {
          await waitUntil(`${a.name} ready again`, async () => (await fetch(`${a.url}/readyz`).catch(() => null))?.status === 200, 30_000, 100);
          return [a.name, Date.now() - restartedAt] as const;
        }),
      ).then((entries) => Object.fromEntries(entries)),
      waitUntil('frames analysed again', async () => (await metricTotal(analyzer, 'xl_analyzer_frames_total', { outcome: 'analysed' })) > analysedAtRestart, 30_000, 100).then(() => Date.now() - restartedAt),
    ]);

    const vanished = await Promise.all(
      entered.map((c) => watcher.waitFor(`vanish of ${c.data!.cameraId}`, () => watcher.events.find((e) => e.type === 'alert.updated' && e.data?.id === c.data!.id && e.data?.severity === 'critical'), 30_000)),
    );
    const criticalAfterMs = Math.max(...vanished.map((v) => v.receivedAt)) - restartedAt;
    for (const v of vanished) expect(v.receivedAt).toBeGreaterThan(restartedAt);
    await sleep(1000);

    // Nothing lost, nothing doubled: every event the analyzer raised is stored (under its own id or,
    // for a vanish, the alert it raised to critical), and each alert was pushed as created exactly once.
    const raised = raisedAlerts(analyzer);
    const stored = await storedAlertIds(api, await pipeline.login(api, 'op', 'fault-password-1'));
    const pushed = watcher.createdCounts();
    const lost = [...raised].filter(([, filedAs]) => !stored.has(filedAs) || !pushed.has(filedAs)).map(([id]) => id);
    expect(raised.size).toBeGreaterThanOrEqual(4);
    expect(lost).toEqual([]);
    expect([...pushed].filter(([, n]) => n > 1)).toEqual([]);
    expect(watcher.duplicateSeqs()).toEqual([]);
    for (const a of apps) expect({ app: a.name, exit: a.child.exitCode, signal: a.child.signalCode }).toEqual({ app: a.name, exit: null, signal: null });
    expect(watcher.events.filter((e) => e.type === 'alert.created' && e.data?.cameraId === 'street')).toEqual([]);
    expect(await scrape(`${api.url}/metrics`)).toContain('xl_ws_clients 1');

    console.log(
      `redis-restart figures: ${JSON.stringify({ outageMs: restartedAt - killedAt, readyAfterMs, framesAnalysedAgainAfterMs: framesAfterMs, vanishPushedAfterMs: criticalAfterMs, raised: raised.size, stored: stored.size, pushed: pushed.size, lost: lost.length, wsReconnects: watcher.connections - 1 })}`,
    );
    const noisy = (a: PipelineApp) => a.output().split('\n').filter((l) => /"level":(50|60)/.test(l)).length;
    console.log(`error log lines during the run: ${JSON.stringify(Object.fromEntries(apps.map((a) => [a.name, noisy(a)])))}`);
  });
});
