// Writes docs/configuration.md from the zod schemas: the camera file (libs/config) and each app's
// environment settings (apps/*/src/settings.ts). `npm run docs:config`; a test fails when the
// committed file differs from what this renders, so the reference cannot drift from the code.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { cameraSchema } from '@xl/config';
import { backupEnvSchema } from '../apps/alerts-api/src/backup/backup.options';
import { evidenceEnvSchema } from '../apps/alerts-api/src/evidence/evidence.options';
import { settingsEnvSchema } from '../apps/alerts-api/src/settings';
import { analyzerSettingsSchema } from '../apps/analyzer/src/settings';
import { ingestSettingsSchema } from '../apps/ingest/src/settings';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

interface Row {
  name: string;
  type: string;
  default: string;
  bounds: string;
  description: string;
}

/** Defaults computed from the machine the docs are generated on, written as what they mean. */
const MACHINE_DEFAULTS: Record<string, string> = {
  'ingest.INGEST_ID': '`ingest-<hostname>-<pid>`',
  'analyzer.ANALYZER_ID': '`analyzer-<hostname>-<pid>`',
  'analyzer.DETECTOR_THREADS': 'the number of cores',
  'analyzer.MODELS_DIR': '`models/` of the installation',
  'alerts-api.MODELS_DIR': '`models/` of the installation',
  'analyzer.SNAPSHOT_DIR': '`var/snapshots` in the working directory',
};

const toJson = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
const isObject = (s: JsonSchema | false | undefined): boolean => !!s && s.properties !== undefined;

function typeName(s: JsonSchema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.enum) return s.enum.map(code).join(', ');
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return variants.map(typeName).join(' or ');
  if (s.prefixItems) return `[${s.prefixItems.map(typeName).join(', ')}]`;
  if (s.type === 'array') return s.items ? `list of ${isObject(s.items) ? 'objects' : typeName(s.items)}` : 'list';
  if (s.type === 'string' && s.format === 'uri') return 'URL';
  return Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
}

function range(min: number | undefined, max: number | undefined, unit = ''): string | null {
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${unit}` : `${min} – ${max}${unit}`;
  if (min !== undefined) return `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return null;
}

function bounds(s: JsonSchema): string {
  const parts = [
    range(s.minimum, s.maximum),
    s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : null,
    s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : null,
    range(s.minLength, s.maxLength, ' characters'),
    s.prefixItems ? null : range(s.minItems, s.maxItems, ' items'),
    s.pattern ? `pattern ${code(s.pattern)}` : null,
  ];
  // Coordinates and other numeric tuples: the bounds of their members.
  const member = s.prefixItems?.[0] ?? (s.items && !isObject(s.items) ? s.items : undefined);
  if (member && (member.type === 'array' || member.prefixItems)) parts.push(`each ${bounds(member)}`.trim());
  else if (member && (member.minimum !== undefined || member.maximum !== undefined)) parts.push(`values ${range(member.minimum, member.maximum)}`);
  return parts.filter(Boolean).join('; ');
}

function defaultText(s: JsonSchema, required: boolean): string {
  if (s.default === undefined) return required ? '**required**' : '—';
  if (s.default !== null && typeof s.default === 'object' && !Array.isArray(s.default)) return 'see its fields';
  if (s.default === '') return 'empty';
  return code(s.default);
}

function row(name: string, s: JsonSchema, required: boolean): Row {
  return { name: code(name), type: typeName(s), default: defaultText(s, required), bounds: bounds(s), description: s.description ?? '' };
}

function table(rows: Row[], first = 'field'): string {
  const lines = [`| ${first} | type | default | bounds | meaning |`, '| --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${[r.name, r.type, r.default, r.bounds, r.description].map(cell).join(' | ')} |`);
  return lines.join('\n');
}

interface Union {
  path: string;
  description?: string;
  variants: JsonSchema[];
}

/** Rows of an object's fields, depth first; lists of alternative objects (rules) are collected apart. */
function fields(schema: JsonSchema, prefix: string, rows: Row[], unions: Union[]): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    const required = schema.required?.includes(key) ?? false;
    if (isObject(prop)) {
      rows.push(row(name, prop, required));
      fields(prop, name, rows, unions);
    } else if (prop.type === 'array' && prop.items && isObject(prop.items)) {
      rows.push(row(name, prop, required));
      fields(prop.items, `${name}[]`, rows, unions);
    } else if (prop.type === 'array' && prop.items && (prop.items.oneOf ?? prop.items.anyOf)?.every(isObject)) {
      const variants = (prop.items.oneOf ?? prop.items.anyOf)!;
      rows.push({ ...row(name, prop, required), type: 'list of objects, by `type`' });
      unions.push({ path: `${name}[]`, description: prop.description, variants });
    } else {
      rows.push(row(name, prop, required));
    }
  }
}

function renderUnion(union: Union): string {
  const same = (key: string) => {
    const first = JSON.stringify(union.variants[0].properties?.[key]);
    return union.variants.every((v) => JSON.stringify(v.properties?.[key]) === first);
  };
  const commonKeys = Object.keys(union.variants[0].properties ?? {}).filter((k) => k !== 'type' && same(k));
  const pick = (v: JsonSchema, keep: (k: string) => boolean): JsonSchema => ({
    ...v,
    properties: Object.fromEntries(Object.entries(v.properties ?? {}).filter(([k]) => keep(k))),
  });
  const out: string[] = [`### \`${union.path}\``, '', union.description ? `${union.description}.` : '', ''];
  const commonRows: Row[] = [];
  fields(pick(union.variants[0], (k) => commonKeys.includes(k)), '', commonRows, []);
  out.push(`Fields of every entry:`, '', table(commonRows), '');
  for (const variant of union.variants) {
    const kind = variant.properties?.type?.const;
    const rows: Row[] = [];
    fields(pick(variant, (k) => k !== 'type' && !commonKeys.includes(k)), '', rows, []);
    out.push(`#### \`type: ${String(kind)}\``, '', rows.length ? table(rows) : 'No further fields.', '');
  }
  return out.join('\n');
}

function renderSettings(app: string, schema: z.ZodType, heading = app, file = `apps/${app}/src/settings.ts`): string {
  const json = toJson(schema);
  const rows = Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const r = row(name, prop, false);
    const machine = MACHINE_DEFAULTS[`${app}.${name}`];
    return machine ? { ...r, default: machine } : r;
  });
  return [`### ${heading}`, '', `\`${file}\``, '', table(rows, 'variable')].join('\n');
}

/** The whole of docs/configuration.md. */
export function renderConfigurationReference(): string {
  const rows: Row[] = [];
  const unions: Union[] = [];
  fields(toJson(cameraSchema), '', rows, unions);
  return [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs:config` (tools/config-docs.ts) from the zod schemas; do not edit by',
    '     hand: test/docs/config-docs.spec.ts fails when this file differs from the schemas. -->',
    '',
    'Every option has a description, a default and bounds in its schema; this page is rendered from',
    'those schemas. Values outside the bounds and unknown keys are errors that name the camera, the',
    'zone or rule and the bound.',
    '',
    '## Cameras',
    '',
    'A camera as the API accepts it (`POST /cameras`, the seed file) and as ingest and the analyzer read',
    "it (`CAMERAS_FILE`, or the configuration alerts-api publishes to Redis). A camera file is YAML or",
    'JSON: one camera, or `cameras: [...]`. Coordinates are normalized to the frame, 0..1, `[x, y]`',
    'from the top-left corner. Schema: `cameraSchema` in `libs/config`.',
    '',
    table(rows),
    '',
    ...unions.map(renderUnion),
    '## Environment settings',
    '',
    'Read once at start; a bad value stops the process with a message naming the variable and the',
    'bound. All apps also read `LOG_LEVEL` (pino level, default `info`). The push layer of alerts-api',
    '(`XL_PUSH_*`, `XL_WS_*`, `XL_WEBHOOK_*`, `MQTT_URL`) is described in `docs/realtime.md`.',
    '',
    renderSettings('ingest', ingestSettingsSchema),
    '',
    renderSettings('analyzer', analyzerSettingsSchema),
    '',
    renderSettings('alerts-api', settingsEnvSchema),
    '',
    renderSettings('alerts-api', evidenceEnvSchema, 'alerts-api: evidence and its retention', 'apps/alerts-api/src/evidence/evidence.options.ts'),
    '',
    renderSettings('alerts-api', backupEnvSchema, 'alerts-api: database backups', 'apps/alerts-api/src/backup/backup.options.ts'),
    '',
  ].join('\n');
}

export const configurationReferencePath = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '../docs/configuration.md' : 'docs/configuration.md');

if (require.main === module) {
  writeFileSync(configurationReferencePath, renderConfigurationReference());
  console.error(`wrote ${configurationReferencePath}`);
}
