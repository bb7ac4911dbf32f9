import fc from 'fast-check';
import { anyJson, anyString } from './hostile-values';

// Request parts generated from the app's own OpenAPI document (the zod schemas that validate the
// requests): mostly plausible values, so the fuzzer gets past validation into the services and the
// database, mixed with hostile ones at every level.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | JsonSchema[];
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
}

interface OpenApiParameter {
  name: string;
  in: string;
  schema?: JsonSchema;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** The operation of "METHOD /express/:path" in the document, if it documents one. */
export function operationOf(doc: OpenApiDocument, route: string): OpenApiOperation | undefined {
  const [method, path] = route.split(' ');
  return doc.paths[path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[method.toLowerCase()];
}

const MAX_DEPTH = 5;

/**
 * A value for `schema`: plausible (right shape, strings drawn from `tokens` — ids that exist, URLs —
 * or matching the schema's pattern), else anything at all: one value in ten at the top, one in
 * twenty-five below, so that a body of fifteen fields is still often valid as a whole and reaches
 * the services and the database.
 */
export function valueFor(schema: JsonSchema | undefined, tokens: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > MAX_DEPTH) return anyJson;
  const plausible = plausibleFor(schema, tokens, depth);
  const withNull = schema.nullable ? fc.oneof(plausible, fc.constant(null)) : plausible;
  return fc.oneof({ weight: depth === 0 ? 9 : 24, arbitrary: withNull }, { weight: 1, arbitrary: anyJson });
}

function plausibleFor(schema: JsonSchema, tokens: readonly string[], depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => valueFor(s, tokens, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valueFor(s, tokens, depth + 1)]));
      const record = fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
      // Now and then an extra key: unknown keys must be refused, not stored.
      return fc.oneof({ weight: 9, arbitrary: record }, { weight: 1, arbitrary: fc.tuple(record, anyString, anyJson).map(([r, k, v]) => ({ ...r, [k]: v })) });
    }
    case 'array': {
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map((s) => valueFor(s, tokens, depth + 1)));
      const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
      return fc.array(valueFor(items, tokens, depth + 1), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case 'string':
      return stringFor(schema, tokens);
    case 'number':
    case 'integer':
      return numberFor(schema, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson;
  }
}

function stringFor(schema: JsonSchema, tokens: readonly string[]): fc.Arbitrary<string> {
  // Existing ids most often (references must exist), new pattern-conforming ones next.
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tokens) },
    { weight: schema.pattern ? 2 : 0, arbitrary: fc.stringMatching(new RegExp(schema.pattern ?? '^$')) },
    { weight: 1, arbitrary: anyString },
  );
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1e6;
  const max = schema.maximum ?? 1e6;
  // fc.integer is limited to 32 bits; zod's int() bounds are the safe-integer range.
  const inRange = integer
    ? fc.integer({ min: Math.max(Math.ceil(min), -(2 ** 31)), max: Math.min(Math.floor(max), 2 ** 31 - 1) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(inRange, fc.constantFrom(min, max, min - 1, max + 1), fc.double({ noNaN: true, noDefaultInfinity: true }));
}

/** A body as the fuzzer sends it: JSON, raw text under some content type, a JSON body over the parser's limit, or none. */
export type FuzzBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string; text: string }
  | { kind: 'huge'; bytes: number }
  | { kind: 'none' };

/** Strings that are not valid percent-encoding or that try to leave a path segment. */
const RAW_SEGMENTS = ['%', '%E0%A4%A', '%ff', '%00', '..', '.', '..%2f..%2fetc%2fpasswd', '%2e%2e', '%2e%2e%2f%2e%2e', '%252e%252e', 'a%2fb', '%5c..%5c'];

/** Percent-encodes the UTF-8 bytes of any string (encodeURIComponent throws on a lone surrogate). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A value for one path parameter, already encoded for the request line. */
export function pathSegment(tokens: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...tokens).map(percentEncode), anyString.map(percentEncode), fc.constantFrom(...RAW_SEGMENTS));
}

/** A query string ("" or "?a=1&b=2"): the documented parameters with plausible or hostile values, plus strays. */
export function queryString(op: OpenApiOperation | undefined, tokens: readonly string[]): fc.Arbitrary<string> {
  const documented = (op?.parameters ?? []).filter((p) => p.in === 'query');
  const pair = (name: fc.Arbitrary<string>, value: fc.Arbitrary<unknown>) =>
    fc.tuple(name, value).map(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => `${percentEncode(k)}=${percentEncode(scalar(item))}`).join('&'));
  const known = documented.map((p) => fc.option(pair(fc.constant(p.name), valueFor(p.schema, tokens)), { nil: undefined }));
  const strays = fc.array(fc.oneof(pair(anyString, anyJson), fc.constantFrom('%', 'a=%E0%A4%A', 'limit=1&limit=2', 'cursor=%00', 'a[b]=c')), { maxLength: 2 });
  return fc.tuple(fc.tuple(...known), strays).map(([parts, extra]) => {
    const all = [...parts.filter((p): p is string => !!p), ...extra];
    return all.length ? `?${all.join('&')}` : '';
  });
}

function scalar(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

/** A body for the operation: schema-shaped JSON most of the time, else any JSON, broken JSON, other content types, or a huge one. */
export function requestBody(op: OpenApiOperation | undefined, tokens: readonly string[]): fc.Arbitrary<FuzzBody> {
  const schema = op?.requestBody?.content?.['application/json']?.schema;
  const json = (value: fc.Arbitrary<unknown>) => value.map((v): FuzzBody => ({ kind: 'json', value: v }));
  const raw = (contentType: string, text: fc.Arbitrary<string>) => text.map((t): FuzzBody => ({ kind: 'raw', contentType, text: t }));
  return fc.oneof(
    { weight: schema ? 12 : 0, arbitrary: json(valueFor(schema, tokens)) },
    { weight: 2, arbitrary: json(anyJson) },
    { weight: 1, arbitrary: fc.constant<FuzzBody>({ kind: 'none' }) },
    { weight: 1, arbitrary: raw('application/json', fc.oneof(anyString, fc.constantFrom('{', '{"a":', '[1,2', '{"__proto__":{"admin":true}}', 'null', '"x"', '1e999'))) },
    { weight: 1, arbitrary: raw('application/x-www-form-urlencoded', fc.constantFrom('a=1&b=2', 'username=admin&password[]=x', '%', 'a[b][c][d]=1')) },
    { weight: 1, arbitrary: raw('text/plain', anyString) },
    { weight: 1, arbitrary: fc.constant<FuzzBody>({ kind: 'huge', bytes: 200_000 }) },
  );
}
