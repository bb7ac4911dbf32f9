// docker/compose.yaml as Debian's docker-compose (v1) reads it — `docker-compose config` validates
// the file and resolves it — then checked against what the apps really read.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '@xl/testing';
import { INGEST_CLOSE_TIMEOUT_MS } from '../../apps/ingest/src/ingest.app';
import { APPS, checkAppEnvironment, readYaml } from './deploy-files';

const execFileAsync = promisify(execFile);
const COMPOSE = '/usr/bin/docker-compose';
const composeFile = path.join(repoRoot, 'docker/compose.yaml');
const secrets = { POSTGRES_PASSWORD: 'pg-test-password', JWT_SECRET: 'j'.repeat(40), ADMIN_PASSWORD: 'admin-test-password' };

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: unknown[];
  container_name?: string;
  healthcheck?: { test: string[] };
  user?: string;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  mem_limit?: string | number;
}

/** Seconds of a compose duration ('330s', '5m30s', '1m'). */
function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u as keyof typeof unit], 0);
}

/** Bytes of a Redis memory size ('1536mb', '2gb') or a compose one ('2g', '512m'). */
function byteSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^(\d+)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase());
}

async function composeConfig(env: Record<string, string>): Promise<{ services: Record<string, Service>; volumes: Record<string, unknown> }> {
  // Only PATH and the given variables: a developer's own POSTGRES_PASSWORD must not leak into the check.
  const { stdout } = await execFileAsync(COMPOSE, ['-f', composeFile, 'config'], { env: { PATH: process.env.PATH, ...env }, cwd: repoRoot });
  return parseYaml(stdout);
}

const available = existsSync(COMPOSE);
if (!available && process.env.CI) throw new Error(`${COMPOSE} is missing (apt-get install docker-compose; scripts/setup.sh installs it)`);

(available ? describe : describe.skip)('docker/compose.yaml (docker-compose config)', () => {
  let services: Record<string, Service>;
  beforeAll(async () => {
    ({ services } = await composeConfig(secrets));
  }, 30_000);

  it('refuses to start without the secrets instead of using defaults', async () => {
    await Promise.all(
      Object.keys(secrets).map((name) => {
        const env: Record<string, string> = { ...secrets };
        delete env[name];
        return expect(composeConfig(env)).rejects.toThrow(new RegExp(`set ${name}`));
      }),
    );
  });

  it('runs Redis with AOF on and noeviction, PostgreSQL and Mosquitto, each with a health check', () => {
    const redis = services.redis;
    expect(redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(redis.command!.join(' ')).toContain('--maxmemory-policy noeviction');
    // noeviction acts only at maxmemory: set, and below the container's limit (room for the AOF rewrite's fork).
    const maxmemory = byteSize(redis.command![redis.command!.indexOf('--maxmemory') + 1]);
    expect(maxmemory).toBeGreaterThanOrEqual(512 * 2 ** 20);
    expect(maxmemory).toBeLessThanOrEqual(0.8 * byteSize(redis.mem_limit!));
    expect(redis.volumes!.some((v) => v.endsWith(':/data:rw'))).toBe(true);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.mosquitto.image).toMatch(/^eclipse-mosquitto:2/);
    for (const name of Object.keys(services)) expect({ name, healthcheck: Boolean(services[name].healthcheck?.test?.length) }).toEqual({ name, healthcheck: true });
  });

  it('keeps the frame bytes in a Redis of their own without persistence, memory capped below its limit, that ingest and the analyzer (only they) use', () => {
    const frames = services['redis-frames'];
    const command = frames.command!.join(' ');
    // Neither AOF nor RDB snapshots, and no volume to write them to.
    expect(command).toContain('--appendonly no');
    expect(frames.command!.slice(frames.command!.indexOf('--save'), frames.command!.indexOf('--save') + 2)).toEqual(['--save', '']);
    expect(frames.volumes).toBeUndefined();
    // Every frame has a TTL: at maxmemory the ones nearest expiry are evicted instead of refusing new frames.
    expect(command).toMatch(/--maxmemory-policy (volatile-ttl|allkeys-lru)/);
    const maxmemory = byteSize(frames.command![frames.command!.indexOf('--maxmemory') + 1]);
    expect(maxmemory).toBeLessThanOrEqual(0.8 * byteSize(frames.mem_limit!));
    // Two frames per camera (the one in flight, one whose gate expired) of INGEST_CAPACITY's 32 cameras at the default 416×416 input.
    expect(maxmemory).toBeGreaterThanOrEqual(2 * Number(services.ingest.environment!.INGEST_CAPACITY) * 416 * 416 * 3);
    for (const app of APPS) {
      const reads = app !== 'alerts-api';
      expect({ app, url: services[app].environment!.FRAME_REDIS_URL, waits: services[app].depends_on?.['redis-frames']?.condition }).toEqual({
        app,
        url: reads ? 'redis://redis-frames:6379' : undefined,
        waits: reads ? 'service_healthy' : undefined,
      });
    }
    expect(services.ingest.environment!.REDIS_URL).toBe('redis://redis:6379');
  });

  it('builds every app from its Dockerfile with the repository as context, and never runs one as root', () => {
    for (const app of APPS) {
      const service = services[app];
      expect(service.build!.context).toBe(repoRoot);
      expect(existsSync(path.join(repoRoot, service.build!.dockerfile))).toBe(true);
      expect(service.build!.dockerfile).toBe(`docker/${app}.Dockerfile`);
      expect(service.user === undefined || !/^(root|0)(:|$)/.test(service.user)).toBe(true);
    }
  });

  it("rotates every container's logs (the default json-file driver keeps them until the disk is full)", () => {
    for (const [name, service] of Object.entries(services)) expect({ name, driver: (service as { logging?: { driver?: string } }).logging?.driver }).toEqual({ name, driver: 'local' });
  });

  it('lets ingest and the analyzer scale: no container name, no published port', () => {
    for (const app of ['ingest', 'analyzer']) {
      expect(services[app].container_name).toBeUndefined();
      expect(services[app].ports).toBeUndefined();
    }
    expect(services['alerts-api'].ports).toEqual([{ published: 3000, target: 3000 }]);
  });

  it('gives every app only variables it reads, valid for its settings, with the same prefixes everywhere', () => {
    const prefixes = new Set<string>();
    for (const app of APPS) {
      const result = checkAppEnvironment(app, services[app].environment ?? {});
      expect({ app, unknown: result.unknown, error: result.error }).toEqual({ app, unknown: [], error: undefined });
      prefixes.add(`${result.queuePrefix}|${result.keyPrefix}`);
    }
    expect(prefixes.size).toBe(1);
    // Health checks hit the ports the apps listen on.
    expect(services.ingest.healthcheck!.test.join(' ')).toContain(`:${services.ingest.environment!.METRICS_PORT}/readyz`);
    expect(services.analyzer.healthcheck!.test.join(' ')).toContain(`:${services.analyzer.environment!.METRICS_PORT}/readyz`);
    expect(services['alerts-api'].healthcheck!.test.join(' ')).toContain(`:${services['alerts-api'].environment!.PORT}/readyz`);
  });

  it('shares the snapshot volume between the analyzer (writes) and alerts-api (serves), at the SNAPSHOT_DIR both use', () => {
    for (const app of ['analyzer', 'alerts-api']) {
      const dir = services[app].environment!.SNAPSHOT_DIR;
      expect(services[app].volumes).toContain(`snapshots:${dir}:rw`);
    }
  });

  it('records on every ingest replica into a volume of its own, and shares the evidence volume with alerts-api at the EVIDENCE_DIR both use', () => {
    const ingest = services.ingest.environment!;
    const api = services['alerts-api'].environment!;
    expect(ingest.EVIDENCE_DIR).toBe(api.EVIDENCE_DIR);
    for (const app of ['ingest', 'alerts-api']) expect(services[app].volumes).toContain(`evidence:${ingest.EVIDENCE_DIR}:rw`);
    // An anonymous volume (a bare container path): each scaled replica gets its own ring.
    expect(services.ingest.volumes).toContain(ingest.RECORDING_DIR);
    expect(services.analyzer.volumes!.some((v) => v.startsWith('evidence:'))).toBe(false);
  });

  it('gives alerts-api the database password as PGPASSWORD, so that any password works (one from openssl rand -base64 too)', async () => {
    const password = 'xY3+/Qz?#a%41';
    const { services: resolved } = await composeConfig({ ...secrets, POSTGRES_PASSWORD: password });
    const env = resolved['alerts-api'].environment!;
    expect(env.DATABASE_URL).not.toContain(password);
    // What pg connects with, from that environment (pg reads PGPASSWORD from process.env).
    const { Client } = await import('pg');
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = env.PGPASSWORD;
    try {
      const params = (new Client({ connectionString: env.DATABASE_URL }) as unknown as { connectionParameters: { user: string; password: string; host: string; database: string } }).connectionParameters;
      expect(params).toMatchObject({ user: 'xl', password, host: 'postgres', database: 'xueliang' });
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
    // The postgres service and the backup job take it as it is.
    expect(resolved.postgres.environment!.POSTGRES_PASSWORD).toBe(password);
    expect(resolved['postgres-backup'].environment!.PGPASSWORD).toBe(password);
  }, 30_000);

  it("lets ingest finish a hand-over clip cut on stop, and alerts-api its bounded shutdown, before Docker's SIGKILL", () => {
    expect(durationSeconds(services.ingest.stop_grace_period!)).toBeGreaterThanOrEqual(INGEST_CLOSE_TIMEOUT_MS / 1000 + 5);
    expect(durationSeconds(services['alerts-api'].stop_grace_period!)).toBeGreaterThanOrEqual(30);
  });

  it("sends Prometheus' alerts to the Alertmanager of the same monitoring profile, whose route names a receiver it has", () => {
    const prometheus = readYaml<{ alerting?: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> } }>('prometheus/prometheus.yml');
    const targets = (prometheus.alerting?.alertmanagers ?? []).flatMap((a) => a.static_configs.flatMap((c) => c.targets));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      const [host, port] = target.split(':');
      expect({ target, profiles: services[host]?.profiles }).toEqual({ target, profiles: ['monitoring'] });
      expect(services[host].command!.join(' ')).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
      expect(port).toBe('9093');
    }
    const mounted = services.alertmanager.volumes!.find((v) => v.includes(':/etc/alertmanager/alertmanager.yml'))!;
    expect(existsSync(mounted.split(':')[0])).toBe(true);
    const config = readYaml<{ route: { receiver: string; routes?: Array<{ receiver: string }> }; receivers: Array<{ name: string }> }>('alertmanager/alertmanager.yml');
    const receivers = new Set(config.receivers.map((r) => r.name));
    for (const receiver of [config.route.receiver, ...(config.route.routes ?? []).map((r) => r.receiver)]) expect(receivers.has(receiver)).toBe(true);
  });

  it('keeps Prometheus, Alertmanager and Grafana behind the monitoring profile, with the files they mount', () => {
    for (const name of ['prometheus', 'alertmanager', 'grafana']) {
      expect(services[name].profiles).toEqual(['monitoring']);
      for (const volume of services[name].volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('/')) expect({ source, exists: existsSync(source) }).toEqual({ source, exists: true });
      }
    }
    const prometheus = readYaml<{ scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; port: number }> }> }>('prometheus/prometheus.yml');
    for (const app of ['ingest', 'analyzer']) {
      const job = prometheus.scrape_configs.find((j) => j.job_name === app)!;
      expect(job.dns_sd_configs![0]).toMatchObject({ names: [app], port: Number(services[app].environment!.METRICS_PORT) });
    }
  });
});
