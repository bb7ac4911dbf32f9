import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to Redis: one node, or a Redis Cluster whose redirections ioredis follows. Every
 * adapter of this library takes either: the keys of one camera share its `{cameraId}` hash tag and
 * every multi-key script or transaction stays inside one slot.
 */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one URL, or the seed nodes of a cluster (credentials and TLS from the URL). */
export interface RedisTarget {
  /** redis:// or rediss:// URL, with user and password when Redis requires them. */
  url: string;
  /** `host:port` of some cluster nodes; empty or absent: a single Redis at `url`. */
  clusterNodes?: readonly string[];
}

/** `host:port` → {host, port}; the error names the entry and what is wrong with it. */
export function parseClusterNode(entry: string): { host: string; port: number } {
  const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(entry.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65_535) throw new Error(`Redis cluster node '${entry}' must be host:port with a port in 1..65535`);
  return { host: m[1], port };
}

/** Opens a client to `target` with `options` (applied to every node of a cluster). */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  const nodes = (target.clusterNodes ?? []).filter((n) => n.trim() !== '');
  if (!nodes.length) return new Redis(target.url, options);
  const url = new URL(target.url);
  const redisOptions: RedisOptions = {
    ...options,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return new Cluster(nodes.map(parseClusterNode), {
    redisOptions,
    // Reconnect as a single node would (options.retryStrategy): the cluster-level strategy decides
    // when the whole cluster is retried after every node failed.
    clusterRetryStrategy: options.retryStrategy ? (times) => options.retryStrategy!(times) ?? null : undefined,
    enableAutoPipelining: options.enableAutoPipelining,
    maxRedirections: 16,
  });
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** A second connection like `client` (blocking reads and subscriptions need their own), with `override` options. */
export function duplicateClient(client: RedisClient, override: RedisOptions = {}): RedisClient {
  if (!isCluster(client)) return client.duplicate(override);
  return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, ...override } });
}
