// Small readings the fault tests share: polling, metrics of a running app, the alerts the analyzer
// says it raised (its own log lines) and the alerts the API stored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CameraSimulator, Pipeline, PushWatcher, scrape, sharedPath, testRedisUrl, truthCamera, uniquePrefix, type PipelineApp } from '@xl/testing';
import { parsePromText } from '../../apps/demo/src/prom-text';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it is truthy; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<unknown> | unknown, timeoutMs: number, stepMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Sum of a metric's samples matching `labels` on the app's /metrics (0 when it does not answer). */
export async function metricTotal(app: PipelineApp, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await scrape(`${app.url}/metrics`)) ?? '';
  return parsePromText(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Alerts an analyzer raised (`kind: created`), from its JSON log lines (LOG_LEVEL=info): event id →
 * the alert the API files it under (a vanish names the zone_enter alert it raises to critical).
 */
export function raisedAlerts(analyzer: PipelineApp): Map<string, string> {
  const raised = new Map<string, string>();
  for (const line of analyzer.output().split('\n')) {
    if (!line.includes('"alertId"')) continue;
    try {
      const entry = JSON.parse(line) as { alertId?: string; kind?: string; relatedAlertId?: string };
      if (entry.alertId && entry.kind === 'created') raised.set(entry.alertId, entry.relatedAlertId ?? entry.alertId);
    } catch {
      // not a log line of ours
    }
  }
  return raised;
}

/** Every alert id the API returns to `token`, all pages. */
export async function storedAlertIds(api: PipelineApp, token: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(`${api.url}/alerts?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET /alerts on ${api.name}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
    for (const a of page.items) ids.add(a.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** With XL_FAULT_LOGS=DIR, each app's captured output goes to DIR/<test>-<app>.log (for a failed run). */
export function keepLogs(test: string, pipeline: Pipeline | undefined): void {
  const dir = process.env.XL_FAULT_LOGS;
  if (!dir || !pipeline) return;
  for (const app of pipeline.apps) writeFileSync(path.join(dir, `${test}-${app.name}.log`), app.output());
}

/** Region, camera and operator of the one-camera fault tests: a beach camera of drowning_sub in village 'vil'. */
export const BEACH_OPERATOR = { username: 'op', password: 'fault-password-1' };

/**
 * The pipeline most fault tests start from: the beach camera at `cameraUrl` seeded, alerts-api started
 * and the operator's push watcher following it (`apiEnv`: more environment for alerts-api). Ingest and
 * analyzer are the test's to start.
 */
export interface BeachPipeline {
  pipeline: Pipeline;
  api: PipelineApp;
  token: string;
  watcher: PushWatcher;
}

export async function beachPipeline(dir: string, prefix: string, cameraUrl: string, apiEnv: Record<string, string> = {}): Promise<BeachPipeline> {
  const pipeline = await Pipeline.seed({
    dir,
    redisUrl: testRedisUrl(),
    prefix,
    seed: {
      regions: [{ id: 'vil', name: 'Village', level: 'village' }],
      cameras: [truthCamera('beach', 'drowning_sub', cameraUrl, { regionId: 'vil' })],
      users: [{ ...BEACH_OPERATOR, role: 'operator', regionIds: ['vil'] }],
    },
  });
  const api = await pipeline.startApi('alerts-api', apiEnv);
  const token = await pipeline.login(api, BEACH_OPERATOR.username, BEACH_OPERATOR.password);
  const watcher = new PushWatcher([api.url], token);
  await watcher.start();
  return { pipeline, api, token, watcher };
}

/** The beach camera's clip (the tests run only where ../shared has it: describeWithShared). */
export const BEACH_CLIP = 'media/clips/drowning_sub.mp4';

/**
 * The scaffolding of a one-camera fault test, created in its describe block: a temporary directory,
 * a Redis key prefix, the camera simulator, and the cleanup, registered with afterAll — the apps
 * stopped and their logs kept (keepLogs under `name`), the simulator stopped, the directory removed.
 */
export class BeachFault {
  readonly dir: string;
  readonly prefix: string;
  private readonly simulator = new CameraSimulator({ loopSeconds: 120 });
  private run?: BeachPipeline;

  constructor(readonly name: string) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `xl-fault-${name}-`));
    this.prefix = uniquePrefix(`fault-${name}`);
    afterAll(() => this.cleanUp());
  }

  /** Serves drowning_sub as the beach camera and starts beachPipeline on it (`apiEnv`: for alerts-api). */
  async start(apiEnv: Record<string, string> = {}): Promise<BeachPipeline> {
    const [cam] = await this.simulator.start([{ id: 'beach', clip: sharedPath(BEACH_CLIP)! }]);
    this.run = await beachPipeline(this.dir, this.prefix, cam.url, apiEnv);
    return this.run;
  }

  private async cleanUp(): Promise<void> {
    this.run?.watcher.close();
    await this.run?.pipeline.stop();
    keepLogs(this.name, this.run?.pipeline);
    await this.simulator.stopAll();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
