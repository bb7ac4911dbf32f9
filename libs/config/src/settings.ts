import { z } from 'zod';

/**
 * Parses an app's environment settings with its schema; every problem is reported at once, naming
 * the variable: "invalid ingest settings: LEASE_TTL_MS: Too small: expected number to be >=1000".
 */
export function parseSettings<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, app: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`invalid ${app} settings: ${issues}`);
}

/**
 * REDIS_CLUSTER_NODES, the same in every app: the seed nodes of a Redis Cluster, or empty for one
 * Redis at REDIS_URL.
 */
export const redisClusterNodesSetting = z
  .string()
  .max(2000)
  .default('')
  .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^\[?[^\]\s,]+\]?:\d{1,5}$/, 'each node must be host:port')).max(64))
  .describe(
    'Redis Cluster seed nodes, comma-separated host:port; empty: one Redis at REDIS_URL (whose user, password and rediss:// still apply to every node). On a cluster QUEUE_PREFIX needs a hash tag such as {xl}, and frame bytes go through ioredis',
  );

/** The cluster check every app runs at start: a queue prefix without a hash tag would fail at the first job. */
export function clusterSettingsProblem(clusterNodes: readonly string[], queuePrefix: string): string | null {
  if (!clusterNodes.length || /\{[^{}]+\}/.test(queuePrefix)) return null;
  return `QUEUE_PREFIX '${queuePrefix}' needs a hash tag such as '{xl}' on a Redis Cluster (REDIS_CLUSTER_NODES is set): every key of a queue must be in one slot`;
}
