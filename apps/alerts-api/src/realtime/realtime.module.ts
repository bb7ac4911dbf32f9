import { type DynamicModule, Module } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { PrincipalChanges } from '../shared/principal-changes';
import { EventPublisher } from '../shared/push-events';
import { RedisEventLog } from './event-log';
import { RedisEventPublisher } from './redis-event-publisher';
import { RedisPrincipalChanges } from './redis-principal-changes';
import { resolveRealtimeOptions, type RealtimeOptions, type RealtimeOptionsInput } from './realtime.options';
import { REALTIME_OPTIONS, RealtimeService } from './realtime.service';

export { REALTIME_OPTIONS };

/**
 * WebSocket push on `/ws` and the app's EventPublisher (global: every module injects it). Takes
 * Redis, the metrics registry and the logger from CoreModule, AccessPolicy and CredentialVerifier
 * from the (global) AuthModule, and serves on the Nest app's own HTTP server.
 */
@Module({})
export class RealtimeModule {
  static forRoot(options: RealtimeOptionsInput = {}): DynamicModule {
    return {
      module: RealtimeModule,
      global: true,
      providers: [
        {
          provide: REALTIME_OPTIONS,
          // Keys under REDIS_KEY_PREFIX like the API's other shared keys; explicit options win.
          useFactory: (settings: Settings) =>
            resolveRealtimeOptions({
              redisUrl: settings.redisUrl,
              keyPrefix: `${settings.redisKeyPrefix}xl:push`,
              ...options,
            }),
          inject: [SETTINGS],
        },
        {
          provide: RedisEventLog,
          useFactory: (redis: RedisClient, opts: RealtimeOptions) =>
            new RedisEventLog(redis, opts.keyPrefix, opts.backlogMaxLen),
          inject: [REDIS, REALTIME_OPTIONS],
        },
        RedisEventPublisher,
        { provide: EventPublisher, useExisting: RedisEventPublisher },
        RedisPrincipalChanges,
        { provide: PrincipalChanges, useExisting: RedisPrincipalChanges },
        RealtimeService,
      ],
      exports: [EventPublisher, PrincipalChanges, RedisEventLog, RealtimeService, REALTIME_OPTIONS],
    };
  }
}
