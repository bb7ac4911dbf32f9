import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createLogger } from '@xl/observability';
import { testRedisUrl } from '@xl/testing';
import type { PushEvent, PushEventType } from '../../shared/push-events';
import type { Principal, ScopedResource } from '../../shared/principal';
import { EventFeed } from '../event-feed';
import { RedisEventLog } from '../event-log';
import { RealtimeMetrics } from '../realtime.metrics';
import { resolveRealtimeOptions, type RealtimeOptions, type RealtimeOptionsInput } from '../realtime.options';
import { WsPushServer } from '../ws-push-server';
import { RegionPathPolicy, TokenTableVerifier, testTokens } from './test-auth';

export interface PushHarness {
  url: string;
  redis: Redis;
  log: RedisEventLog;
  feed: EventFeed;
  server: WsPushServer;
  registry: Registry;
  options: RealtimeOptions;
  close(): Promise<void>;
}

/** One API instance's push without Nest: event log, feed and /ws on a plain HTTP server on 127.0.0.1. */
export async function startPushServer(
  keyPrefix: string,
  overrides: RealtimeOptionsInput = {},
  makeLog: (redis: Redis, options: RealtimeOptions) => RedisEventLog = (redis, o) =>
    new RedisEventLog(redis, o.keyPrefix, o.backlogMaxLen),
  tokens: Record<string, Principal> = testTokens,
): Promise<PushHarness> {
  const options = resolveRealtimeOptions({ redisUrl: testRedisUrl(), keyPrefix, heartbeatMs: 60_000, ...overrides });
  const redis = new Redis(options.redisUrl);
  const subscriber = redis.duplicate();
  const log = makeLog(redis, options);
  const logger = createLogger('test.realtime', process.env.LOG_LEVEL ?? 'silent');
  const feed = new EventFeed(subscriber, log, logger, { headCheckMs: options.headCheckMs });
  await feed.start();
  const registry = new Registry();
  const server = new WsPushServer({
    log,
    feed,
    verifier: new TokenTableVerifier(tokens),
    policy: new RegionPathPolicy(),
    options,
    metrics: new RealtimeMetrics(registry),
    logger,
  });
  const http = createServer((_req, res) => res.writeHead(404).end());
  server.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}${options.path}`,
    redis,
    log,
    feed,
    server,
    registry,
    options,
    async close() {
      await server.close();
      await feed.stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      subscriber.disconnect();
      await deleteKeys(redis, keyPrefix);
      redis.disconnect();
    },
  };
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export function pushEvent(
  scope: ScopedResource,
  data: Record<string, unknown>,
  type: PushEventType = 'alert.created',
): PushEvent {
  return { type, scope: { cameraId: scope.cameraId, regionPath: [...scope.regionPath] }, data };
}
