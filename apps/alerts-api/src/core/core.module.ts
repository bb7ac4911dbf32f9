import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { type RedisClient, type RedisClock, redisRetryStrategy, startRedisClock } from '@xl/queue';
import { untilSucceeds, type Logger } from '@xl/observability';
import { Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/database';
import { SETTINGS, type Settings } from '../settings';
import { Clock, FollowedClock } from '../common/clock';
import { NulFreeInputPipe } from '../common/nul-free.pipe';
import { ApiMetrics } from './api-metrics';
import { connectApiRedis } from './redis-connections';
import { DATABASE, KYSELY, LOGGER, METRICS_REGISTRY, REDIS } from './tokens';

export interface CoreResources {
  settings: Settings;
  database: DatabaseHandle;
  logger: Logger;
  /** Optional: a registry to share (tests); a fresh one otherwise. */
  registry?: Registry;
  /** Optional: a clock to pin time (tests); the Redis server's time otherwise (RedisClock). */
  clock?: Clock;
}

/** The RedisClock behind the API's Clock, stopped at shutdown. */
const REDIS_CLOCK = Symbol('redis clock');

/** Closes the shared connections after every module has stopped its workers. */
@Injectable()
class CoreShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_CLOCK) private readonly redisClock: RedisClock | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.redisClock?.stop();
    this.redis.disconnect();
    await this.database.close();
  }
}

/** Settings, database, Redis, logger and the metrics registry, for every module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(resources: CoreResources): DynamicModule {
    const redis = connectApiRedis(resources.settings, { maxRetriesPerRequest: 3, lazyConnect: false, retryStrategy: redisRetryStrategy });
    redis.on('error', (err) => resources.logger.warn({ err: err.message }, 'redis connection error'));
    const providers = [
      { provide: SETTINGS, useValue: resources.settings },
      { provide: DATABASE, useValue: resources.database },
      { provide: KYSELY, useValue: resources.database.db },
      { provide: REDIS, useValue: redis },
      { provide: LOGGER, useValue: resources.logger },
      { provide: METRICS_REGISTRY, useValue: resources.registry ?? new Registry() },
      ApiMetrics,
      {
        provide: REDIS_CLOCK,
        // Retried, not fatal: with Redis not up yet (a fresh cluster, a rescheduled node) the API waits
        // for it here instead of exiting into CrashLoopBackOff (main.ts answers the probes meanwhile).
        useFactory: (metrics: ApiMetrics) =>
          resources.clock ? null : untilSucceeds('measuring the clock against Redis', () => startRedisClock(redis, { gauge: metrics.clockOffset, log: resources.logger }), { log: resources.logger }),
        inject: [ApiMetrics],
      },
      { provide: Clock, useFactory: (followed: RedisClock | null) => resources.clock ?? new FollowedClock(followed!.now), inject: [REDIS_CLOCK] },
      CoreShutdown,
      { provide: APP_PIPE, useClass: NulFreeInputPipe },
    ];
    return {
      module: CoreModule,
      providers,
      exports: [SETTINGS, DATABASE, KYSELY, REDIS, LOGGER, METRICS_REGISTRY, Clock, ApiMetrics],
    };
  }
}
