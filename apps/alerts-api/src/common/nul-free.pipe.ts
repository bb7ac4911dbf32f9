import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { formatPath, validationError } from './zod-pipe';

// PostgreSQL text cannot hold U+0000: a NUL in an id, a name or a note reached the database and came
// back as a 500 ("invalid byte sequence for encoding UTF8: 0x00"), while SQLite stored it. No field of
// this API has a use for it, so every route parameter, query and body refuses it with a 400, the same
// on both databases.

const WHERE: Record<string, string> = { param: 'params', query: 'query', body: 'body' };
const MAX_DEPTH = 64;

/** Path of the first string (value or key) in `value` that contains U+0000, or null. */
export function findNul(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], [...path, i]);
      if (hit) return hit;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const hit = findNul(item, [...path, key]);
    if (hit) return hit;
  }
  return null;
}

/** Global pipe: 400 for a NUL character anywhere in a route parameter, the query or the body. */
@Injectable()
export class NulFreeInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const where = WHERE[metadata.type];
    if (!where) return value; // custom decorators: the principal, not client input
    const hit = findNul(value, metadata.type === 'param' && metadata.data ? [metadata.data] : []);
    if (hit) throw validationError(where, [{ field: formatPath(hit), rule: 'no_nul', message: 'must not contain NUL (U+0000) characters' }]);
    return value;
  }
}
