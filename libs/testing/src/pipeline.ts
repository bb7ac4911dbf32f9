// The whole pipeline as real processes for fault tests and the soak: alerts-api seeded from a file
// (regions, cameras, users), ingest and analyzers following the configuration it publishes to Redis.
// Each app can be started more than once (two analyzers, two APIs) and killed on its own.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort, startService, waitForHttp, type ServiceProcess } from './processes';
import { repoRoot, requireShared } from './shared-data';

const execFileAsync = promisify(execFile);

export interface PipelineOptions {
  /** Working directory: database, seed file, snapshots. */
  dir: string;
  redisUrl: string;
  /** BullMQ prefix; keys get `${prefix}:`. */
  prefix: string;
  /** Seed file contents: regions, cameras, users (docs/api.md). */
  seed: Record<string, unknown>;
  /** Environment for every app (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
}

/** A started app with the port of its probes / HTTP API. */
export interface PipelineApp extends ServiceProcess {
  port: number;
  url: string;
}

/**
 * Seeds the API's database, then starts apps on demand. `stop()` stops everything it started that
 * is still running (SIGTERM, then SIGKILL).
 */
export class Pipeline {
  readonly apps: PipelineApp[] = [];
  readonly snapshotDir: string;
  readonly common: Record<string, string>;
  private readonly apiEnv: Record<string, string>;

  private constructor(readonly options: PipelineOptions) {
    this.snapshotDir = path.join(options.dir, 'snapshots');
    this.common = { REDIS_URL: options.redisUrl, QUEUE_PREFIX: options.prefix, KEY_PREFIX: `${options.prefix}:`, LOG_LEVEL: 'warn', ...options.env };
    this.apiEnv = {
      ...this.common,
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(options.dir, 'db.sqlite')}`,
      SNAPSHOT_DIR: this.snapshotDir,
      JWT_SECRET: 'pipeline-test-secret-pipeline-test-secret',
    };
  }

  static async seed(options: PipelineOptions): Promise<Pipeline> {
    const pipeline = new Pipeline(options);
    mkdirSync(pipeline.snapshotDir, { recursive: true });
    const seedFile = path.join(options.dir, 'seed.yaml');
    writeFileSync(seedFile, stringify(options.seed));
    await execFileAsync(process.execPath, [path.join(repoRoot, 'dist/apps/alerts-api/src/seed.js'), '--file', seedFile], { env: { ...process.env, ...pipeline.apiEnv } });
    return pipeline;
  }

  /** An alerts-api instance on a free port; resolves once /readyz answers (/healthz does while it starts). */
  async startApi(name = 'alerts-api', env: Record<string, string> = {}): Promise<PipelineApp> {
    const app = await this.start(name, 'alerts-api', (port) => ({ ...this.apiEnv, PORT: String(port), ...env }));
    await waitForHttp(`${app.url}/readyz`, 30_000);
    return app;
  }

  startIngest(name = 'ingest', env: Record<string, string> = {}): Promise<PipelineApp> {
    return this.start(name, 'ingest', (port) => ({ ...this.common, METRICS_PORT: String(port), INGEST_ID: name, ...env }));
  }

  startAnalyzer(name = 'analyzer', env: Record<string, string> = {}): Promise<PipelineApp> {
    return this.start(name, 'analyzer', (port) => ({ ...this.common, METRICS_PORT: String(port), SNAPSHOT_DIR: this.snapshotDir, DETECTOR_THREADS: '1', ANALYZER_ID: name, ...env }));
  }

  /** POST /auth/login; the access token. */
  async login(api: PipelineApp, username: string, password: string): Promise<string> {
    const res = await fetch(`${api.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    if (!res.ok) throw new Error(`login of ${username} at ${api.name}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.map((a) => a.stop()));
  }

  private async start(name: string, app: string, env: (port: number) => Record<string, string>): Promise<PipelineApp> {
    const port = await freePort();
    const service = startService(name, app, env(port), undefined, { captureOutput: true });
    const started = { ...service, port, url: `http://127.0.0.1:${port}` };
    this.apps.push(started);
    return started;
  }
}

/** A camera of the seed file with zones and OSD masks from a clip's ground truth (`media/clips/NAME.truth.json`). */
export function truthCamera(id: string, clipName: string, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const truth = JSON.parse(readFileSync(requireShared(`media/clips/${clipName}.truth.json`), 'utf8'));
  return {
    id,
    url,
    fps: 4,
    masks: truth.osd_regions.map(([x0, y0, x1, y1]: number[]) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
    zones: truth.zones,
    ...extra,
  };
}
