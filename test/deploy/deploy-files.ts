// Reads what docker/ ships (Dockerfiles, compose, Kubernetes manifests, Prometheus rules, Grafana
// dashboard) for the deployment tests, and checks app environments against the apps' own settings.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { repoRoot, sharedPath } from '@xl/testing';
import { loadSettings } from '../../apps/alerts-api/src/settings';
import { settingsEnvSchema } from '../../apps/alerts-api/src/settings';
import { evidenceEnvSchema, loadEvidenceOptions } from '../../apps/alerts-api/src/evidence/evidence.options';
import { resolveOutboundOptions } from '../../apps/alerts-api/src/outbound/outbound.options';
import { analyzerSettingsSchema, loadAnalyzerSettings } from '../../apps/analyzer/src/settings';
import { ingestSettingsSchema, loadIngestSettings } from '../../apps/ingest/src/settings';

export const dockerDir = path.join(repoRoot, 'docker');
export const APPS = ['ingest', 'analyzer', 'alerts-api'] as const;
export type AppName = (typeof APPS)[number];

/**
 * Under `dir`, what a worker's image gives it to start with: the analyzer's models directory (the
 * manifest, the verified weights from ../shared) and an empty camera file.
 */
export function workerFilesIn(dir: string): { models: string; camerasFile: string } {
  const models = path.join(dir, 'models');
  mkdirSync(models);
  copyFileSync(path.join(repoRoot, 'models/yolox_nano.json'), path.join(models, 'yolox_nano.json'));
  symlinkSync(sharedPath('models/yolox_nano.onnx')!, path.join(models, 'yolox_nano.onnx'));
  const camerasFile = path.join(dir, 'cameras.yaml');
  writeFileSync(camerasFile, 'cameras: []\n');
  return { models, camerasFile };
}

export function readDockerFile(rel: string): string {
  return readFileSync(path.join(dockerDir, rel), 'utf8');
}

export function readYamlDocuments(rel: string): unknown[] {
  return parseAllDocuments(readDockerFile(rel))
    .map((doc) => doc.toJS() as unknown)
    .filter((doc) => doc !== null && doc !== undefined);
}

export function readYaml<T = unknown>(rel: string): T {
  return parseYaml(readDockerFile(rel)) as T;
}

/** Every *.yaml under docker/k8s (recursively), relative to docker/. */
export function k8sFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(dockerDir, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.yaml') ? [path.join(dir, entry.name)] : [],
    );
  return walk('k8s').sort();
}

// ---- Dockerfiles ----

export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

export interface DockerStage {
  base: string;
  name?: string;
  instructions: DockerInstruction[];
}

/** Instructions (continuation lines joined, comments dropped) grouped by stage; ARGs before the first FROM resolved in FROM. */
export function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: DockerStage[] } {
  const logical: DockerInstruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) return;
    if (pending && line.startsWith('#')) return;
    if (!pending) startLine = i + 1;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      const [keyword, ...rest] = pending.split(/\s+/);
      logical.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
      pending = '';
    }
  });
  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const ins of logical) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const base = m[1].replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs[name] ?? `\${${name}}`);
      stages.push({ base, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, value = ''] = ins.args.split('=');
        globalArgs[name] = value;
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

// ---- app environments ----

const schemaKeys = {
  ingest: Object.keys(ingestSettingsSchema.in.shape),
  analyzer: Object.keys(analyzerSettingsSchema.shape),
  'alerts-api': [...Object.keys(settingsEnvSchema.shape), ...Object.keys(evidenceEnvSchema.shape)],
} satisfies Record<AppName, string[]>;

/**
 * Variables read outside the settings schemas: the logger's level, Node's mode, the push layer's MQTT
 * broker, and the database password pg reads itself when DATABASE_URL has none.
 */
const extraVariables: Record<AppName, string[]> = { ingest: ['LOG_LEVEL', 'NODE_ENV'], analyzer: ['LOG_LEVEL', 'NODE_ENV'], 'alerts-api': ['NODE_ENV', 'MQTT_URL', 'PGPASSWORD'] };

/**
 * Problems of an app's environment: names the app does not read, and what its settings loader
 * rejects. Returns the effective prefixes so callers can check that the apps agree.
 */
export function checkAppEnvironment(app: AppName, env: Record<string, string>): { unknown: string[]; error?: string; queuePrefix?: string; keyPrefix?: string } {
  const known = new Set([...schemaKeys[app], ...extraVariables[app]]);
  const unknown = Object.keys(env).filter((name) => !known.has(name));
  try {
    if (app === 'ingest') {
      const s = loadIngestSettings(env);
      return { unknown, queuePrefix: s.QUEUE_PREFIX, keyPrefix: s.KEY_PREFIX };
    }
    if (app === 'analyzer') {
      const s = loadAnalyzerSettings(env);
      return { unknown, queuePrefix: s.QUEUE_PREFIX, keyPrefix: s.KEY_PREFIX };
    }
    const s = loadSettings(env, () => 'x'.repeat(32));
    loadEvidenceOptions(env);
    if (env.MQTT_URL) resolveOutboundOptions({}, env);
    return { unknown, queuePrefix: s.queuePrefix, keyPrefix: s.redisKeyPrefix };
  } catch (err) {
    return { unknown, error: (err as Error).message };
  }
}

/** The default METRICS_PORT of a worker app, from its settings schema. */
export function defaultMetricsPort(app: 'ingest' | 'analyzer'): number {
  return app === 'ingest' ? loadIngestSettings({}).METRICS_PORT : loadAnalyzerSettings({}).METRICS_PORT;
}

// ---- PromQL ----

const PROMQL_WORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset',
  'inf', 'nan', 'le',
]);

/**
 * Metric names a PromQL expression reads: identifiers that are not functions, aggregations,
 * keywords, label matchers, grouping labels, durations or strings.
 */
export function promqlMetricNames(expr: string): string[] {
  const labelValues = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(expr);
  if (labelValues) return [labelValues[1]];
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][\w:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(')) continue; // function or aggregation
    const before = stripped.slice(0, m.index!);
    if (/\d$/.test(before)) continue; // exponent or duration suffix
    if (PROMQL_WORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL expression docker/ ships, with where it comes from. */
export function shippedPromql(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  const dashboard = JSON.parse(readDockerFile('grafana/dashboards/xueliang-pipeline.json')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; definition: string }> };
  };
  for (const panel of dashboard.panels) for (const t of panel.targets ?? []) out.push({ where: `dashboard panel '${panel.title}'`, expr: t.expr });
  for (const v of dashboard.templating.list) out.push({ where: `dashboard variable '${v.name}'`, expr: v.definition });
  const rules = readYaml<{ groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }>('prometheus/alerts.yml');
  for (const group of rules.groups) for (const rule of group.rules) out.push({ where: `alert rule ${rule.alert}`, expr: rule.expr });
  for (const file of k8sFiles()) {
    for (const doc of readYamlDocuments(file) as Array<{ kind?: string; spec?: { triggers?: Array<{ type: string; name?: string; metadata: { query?: string } }> } }>) {
      if (doc.kind !== 'ScaledObject') continue;
      for (const t of doc.spec?.triggers ?? []) if (t.type === 'prometheus' && t.metadata.query) out.push({ where: `${file} trigger ${t.name}`, expr: t.metadata.query });
    }
  }
  return out;
}

/** Series names a /metrics text exposes, from its TYPE lines (histograms give _bucket, _sum, _count). */
export function exposedSeriesNames(metricsText: string): Set<string> {
  const names = new Set<string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m;
    names.add(name);
    if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    if (type === 'summary') ['_sum', '_count'].forEach((s) => names.add(name + s));
  }
  return names;
}
