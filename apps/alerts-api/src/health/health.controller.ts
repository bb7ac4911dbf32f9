import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isCluster, type RedisClient } from '@xl/queue';
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { Public } from '../auth/decorators';
import { ApiMetrics } from '../core/api-metrics';
import { KYSELY, METRICS_REGISTRY, REDIS } from '../core/tokens';
import type { Database } from '../db/schema';

const PROBE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const outcome = (check: PromiseSettledResult<unknown>) => (check.status === 'fulfilled' ? 'ok' : (check.reason as Error).message);

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(KYSELY) private readonly db: Kysely<Database>,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly apiMetrics: ApiMetrics,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers. Redis is reported (body, xl_api_redis_up) but does not count:
   * listing, acknowledging and resolving alerts work from the database alone, and a Redis outage
   * would otherwise take every replica out of the Service at once (pushes and timers catch up later).
   */
  @Get('readyz')
  async readyz() {
    const [database, redis] = await Promise.allSettled([withTimeout(sql`select 1`.execute(this.db), 'database'), this.probeRedis()]).then((checks) => checks.map(outcome));
    if (database !== 'ok') throw new ServiceUnavailableException({ status: 'not ready', database, redis });
    return { status: 'ready', database, redis };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    await this.probeRedis().catch(() => undefined);
    await this.readRedisMemory().catch(() => undefined);
    return this.registry.metrics();
  }

  /**
   * Redis's memory use and limit, for XlRedisMemoryHigh: nothing else tells ops that Redis is filling
   * up before it refuses writes (bounded; a cluster's nodes are left to their own exporter).
   */
  private async readRedisMemory(): Promise<void> {
    if (isCluster(this.redis)) return;
    const info = await withTimeout(this.redis.info('memory'), 'redis');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    this.apiMetrics.redisUsedMemory.set(field('used_memory'));
    this.apiMetrics.redisMaxMemory.set(field('maxmemory'));
  }

  /** PINGs Redis (bounded) and records the answer in xl_api_redis_up. */
  private async probeRedis(): Promise<void> {
    try {
      await withTimeout(this.redis.ping(), 'redis');
      this.apiMetrics.redisUp.set(1);
    } catch (err) {
      this.apiMetrics.redisUp.set(0);
      throw err;
    }
  }
}
