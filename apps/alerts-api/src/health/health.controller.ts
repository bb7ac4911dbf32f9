import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { RedisClient } from '@xl/queue';
import { type Kysely, sql } from 'kysely';
import type { Registry } from 'prom-client';
import { Public } from '../auth/decorators';
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

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(KYSELY) private readonly db: Kysely<Database>,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: the database and Redis answer. */
  @Get('readyz')
  async readyz() {
    const checks = await Promise.allSettled([
      withTimeout(sql`select 1`.execute(this.db), 'database'),
      withTimeout(this.redis.ping(), 'redis'),
    ]);
    const [database, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : (c.reason as Error).message));
    if (database !== 'ok' || redis !== 'ok') throw new ServiceUnavailableException({ status: 'not ready', database, redis });
    return { status: 'ready', database, redis };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
