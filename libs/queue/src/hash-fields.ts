import type { RedisClient } from './redis-client';

/** The values of those of `fields` that the hash at `key` holds (one HMGET), by field. */
export async function hashFields(redis: RedisClient, key: string, fields: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (fields.length === 0) return out;
  const values = await redis.hmget(key, ...fields);
  fields.forEach((field, i) => {
    const value = values[i];
    if (value !== null && value !== undefined) out.set(field, value);
  });
  return out;
}
