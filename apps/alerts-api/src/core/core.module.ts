import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { type RedisClient, redisRetryStrategy } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/database';
import { SETTINGS, type Settings } from '../settings';
import { Clock, SystemClock } from '../common/clock';
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
  clock?: Clock;
}

/** Closes the shared connections after every module has stopped its workers. */
@Injectable()
class CoreShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(DATABASE) private readonly database: DatabaseHandle,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
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
      { provide: Clock, useValue: resources.clock ?? new SystemClock() },
      ApiMetrics,
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
