import { parse as parseYaml, YAMLError } from 'yaml';
import { z } from 'zod';
import { cameraSchema, type CameraConfig, storedCameraSchema } from './camera';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** "camera 'pond-1', zones[0] (id 'water').polygon: …" — names the camera and, where it can, the zone/rule. */
function describeIssue(raw: unknown, cameraLabel: string, issue: z.core.$ZodIssue): string {
  let where = '';
  let node: unknown = raw;
  for (const key of issue.path) {
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
    if (typeof key === 'number') {
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined;
      where += `[${key}]${typeof id === 'string' ? ` (id '${id}')` : ''}`;
    } else {
      where += where ? `.${String(key)}` : String(key);
    }
  }
  // Numbers are safe to repeat (strings are not: a URL may carry a password).
  const got =
    (issue.code === 'too_big' || issue.code === 'too_small') && typeof node === 'number' ? ` (got ${node})` : '';
  return `${cameraLabel}${where ? `, ${where}` : ''}: ${issue.message}${got}`;
}

function labelOf(raw: unknown, index?: number): string {
  const id = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
  if (typeof id === 'string') return `camera '${id}'`;
  return index === undefined ? 'camera (no id)' : `camera #${index} (no id)`;
}

/** Validates one camera as written (cameraSchema); throws ConfigError whose message names the camera and field. */
export function parseCamera(raw: unknown, index?: number): CameraConfig {
  return parseWith(cameraSchema, raw, index);
}

/**
 * Validates one camera as the API stored and published it (storedCameraSchema): one saved under an
 * older release's checks is still analysed, not dropped at an upgrade.
 */
export function parseStoredCamera(raw: unknown, index?: number): CameraConfig {
  return parseWith(storedCameraSchema, raw, index);
}

function parseWith(schema: typeof storedCameraSchema, raw: unknown, index?: number): CameraConfig {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => describeIssue(raw, labelOf(raw, index), issue));
  throw new ConfigError(`invalid camera configuration: ${issues.join('; ')}`, issues);
}

/**
 * " at line 3, column 10 (BLOCK_AS_IMPLICIT_KEY)" — where, never what: yaml's own message quotes the
 * offending source line, which may be a camera URL with its password (a ': ' in a password breaks it).
 */
function yamlErrorPlace(err: unknown): string {
  if (!(err instanceof YAMLError) || !err.linePos) return '';
  const [{ line, col }] = err.linePos;
  return ` at line ${line}, column ${col} (${err.code})`;
}

/**
 * A camera file (YAML or JSON): either `{ cameras: [...] }` or a single camera object. Every camera
 * is checked; all problems are reported together.
 */
export function parseCameraFile(text: string, source = 'camera file'): CameraConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    const where = yamlErrorPlace(err);
    throw new ConfigError(`${source}: not valid YAML/JSON${where}`, [`not valid YAML/JSON${where}`]);
  }
  const list: unknown[] =
    doc && typeof doc === 'object' && 'cameras' in doc ? ((doc as { cameras: unknown }).cameras as unknown[]) : [doc];
  if (!Array.isArray(list)) throw new ConfigError(`${source}: 'cameras' must be a list`, ['cameras must be a list']);
  const cameras: CameraConfig[] = [];
  const issues: string[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    try {
      const camera = parseCamera(raw, i);
      if (seen.has(camera.id)) issues.push(`camera '${camera.id}': duplicate camera id`);
      seen.add(camera.id);
      cameras.push(camera);
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  });
  if (issues.length) throw new ConfigError(`${source}: ${issues.join('; ')}`, issues);
  return cameras;
}
