import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { connectRedis, type RedisClient } from '@xl/queue';
import type { Settings } from '../settings';

/** The API's Redis: one node at REDIS_URL, or the cluster REDIS_CLUSTER_NODES names. */
export function connectApiRedis(settings: Settings, options: RedisOptions): RedisClient {
  return connectRedis({ url: settings.redisUrl, clusterNodes: settings.redisClusterNodes }, options);
}

/**
 * A BullMQ connection and how to let it go. On one node BullMQ is given options and owns its
 * connections; on a cluster it needs a client instance, which it does not close, so `close` does.
 */
export function bullConnection(
  settings: Settings,
  options: { maxRetriesPerRequest?: number | null; retryStrategy?: (times: number) => number },
): { connection: ConnectionOptions; close(): void } {
  if (!settings.redisClusterNodes.length) return { connection: { url: settings.redisUrl, ...options }, close: () => undefined };
  const client = connectApiRedis(settings, options);
  return { connection: client, close: () => client.disconnect() };
}
