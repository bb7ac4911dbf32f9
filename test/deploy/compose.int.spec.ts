// docker/compose.yaml as Debian's docker-compose (v1) reads it — `docker-compose config` validates
// the file and resolves it — then checked against what the apps really read.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '@xl/testing';
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
    expect(redis.volumes!.some((v) => v.endsWith(':/data:rw'))).toBe(true);
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.mosquitto.image).toMatch(/^eclipse-mosquitto:2/);
    for (const name of Object.keys(services)) expect({ name, healthcheck: Boolean(services[name].healthcheck?.test?.length) }).toEqual({ name, healthcheck: true });
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

  it('keeps Prometheus and Grafana behind the monitoring profile, with the files they mount', () => {
    for (const name of ['prometheus', 'grafana']) {
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
