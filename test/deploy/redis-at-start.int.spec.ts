// The three compiled apps started while Redis is not up yet (a fresh `kubectl apply -k`, a node that
// took Redis down with it): each must stay alive, answer its probes (/healthz 200 for the liveness
// and startup probes, /readyz 503), and become ready once Redis answers, instead of exiting (or hanging
// without probes) into CrashLoopBackOff. Then Redis goes away again: alerts-api stays ready (it serves
// alerts from the database) and reports Redis in /readyz's body and xl_api_redis_up.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWithShared, freePort, startRedisServer, startService, uniquePrefix, type RedisServer, type ServiceProcess } from '@xl/testing';
import { workerFilesIn } from './deploy-files';

jest.setTimeout(90_000);

/** How long the apps are left without Redis once they answer (ingest used to exit after ~18 s, alerts-api at once). */
const WITHOUT_REDIS_MS = 12_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function status(url: string): Promise<number | string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return `no answer (${(err as Error).message})`;
  }
}

async function waitForStatus(url: string, expected: number, timeoutMs: number): Promise<number | string> {
  const end = Date.now() + timeoutMs;
  let last: number | string = 'never asked';
  while (Date.now() < end) {
    last = await status(url);
    if (last === expected) return last;
    await sleep(200);
  }
  return last;
}

describeWithShared(['models/yolox_nano.onnx'])('apps started while Redis is unreachable', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xl-redis-at-start-'));
  const services: ServiceProcess[] = [];
  const exits = new Map<string, number | null>();
  let redis: RedisServer | undefined;

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await redis?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stay alive with /healthz 200 and /readyz 503, and are ready within seconds of Redis answering', async () => {
    const { models, camerasFile } = workerFilesIn(dir);
    mkdirSync(path.join(dir, 'redis'));
    // Nothing listens there until the test starts redis-server on it.
    const redisPort = await freePort();
    const prefix = uniquePrefix('redis-at-start');
    const common = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_PREFIX: prefix, KEY_PREFIX: `${prefix}:`, LOG_LEVEL: 'warn' };
    const [apiPort, ingestPort, analyzerPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const apps = [
      { name: 'alerts-api', port: apiPort, env: { ...common, PORT: String(apiPort), HOST: '127.0.0.1', DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, SNAPSHOT_DIR: path.join(dir, 'snapshots'), EVIDENCE_DIR: path.join(dir, 'evidence') } },
      { name: 'ingest', port: ingestPort, env: { ...common, METRICS_PORT: String(ingestPort), CAMERAS_FILE: camerasFile } },
      { name: 'analyzer', port: analyzerPort, env: { ...common, METRICS_PORT: String(analyzerPort), MODELS_DIR: models, DETECTOR_THREADS: '1', CAMERAS_FILE: camerasFile, SNAPSHOT_DIR: path.join(dir, 'snapshots') } },
    ];
    for (const app of apps) services.push(startService(app.name, app.name, app.env, (code) => exits.set(app.name, code), { captureOutput: true }));
    const url = (app: (typeof apps)[number], probe: string) => `http://127.0.0.1:${app.port}/${probe}`;
    const report = () => services.map((s) => `--- ${s.name} (exit ${exits.get(s.name) ?? 'none'}):\n${s.output().slice(-3000)}`).join('\n');

    try {
      // Loading the apps takes seconds on a busy machine: the clock starts once each answers.
      await Promise.all(apps.map((app) => waitForStatus(url(app, 'healthz'), 200, 45_000)));
      await sleep(WITHOUT_REDIS_MS);
      const without = await Promise.all(apps.map(async (app) => ({ app: app.name, exited: exits.has(app.name), healthz: await status(url(app, 'healthz')), readyz: await status(url(app, 'readyz')) })));
      expect(without).toEqual(apps.map((app) => ({ app: app.name, exited: false, healthz: 200, readyz: 503 })));

      redis = await startRedisServer({ dir: path.join(dir, 'redis'), port: redisPort, appendOnly: false });
      const started = Date.now();
      const ready = await Promise.all(apps.map(async (app) => ({ app: app.name, readyz: await waitForStatus(url(app, 'readyz'), 200, 20_000), ms: Date.now() - started })));
      expect(ready.map(({ app, readyz }) => ({ app, readyz }))).toEqual(apps.map((app) => ({ app: app.name, readyz: 200 })));
      // alerts-api and ingest reconnect within ~1 s; the analyzer then loads its model.
      for (const r of ready) expect({ app: r.app, withinMs: r.ms < 15_000 }).toEqual({ app: r.app, withinMs: true });
      // Its memory use and limit, for XlRedisMemoryHigh (this Redis has no maxmemory: 0).
      const upMetrics = await fetch(url(apps[0], 'metrics'), { signal: AbortSignal.timeout(8000) }).then((r) => r.text());
      expect(Number(/^xl_redis_used_memory_bytes (\d+)$/m.exec(upMetrics)?.[1])).toBeGreaterThan(100_000);
      expect(upMetrics).toMatch(/^xl_redis_maxmemory_bytes 0$/m);

      // Redis gone again: alerts-api stays in the Service (the database answers), saying what is wrong.
      await redis.kill();
      const api = apps[0];
      const res = await fetch(url(api, 'readyz'), { signal: AbortSignal.timeout(8000) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { database: string; redis: string };
      expect(body.database).toBe('ok');
      expect(body.redis).not.toBe('ok');
      const metrics = await fetch(url(api, 'metrics'), { signal: AbortSignal.timeout(8000) }).then((r) => r.text());
      expect(metrics).toMatch(/^xl_api_redis_up 0$/m);
    } catch (err) {
      console.error(report());
      throw err;
    }
  });
});
