import { type DynamicModule, Module } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';
import { SETTINGS, type Settings } from '../settings';
import { resolveOutboundOptions, type OutboundOptionsInput } from './outbound.options';
import { OUTBOUND_OPTIONS, OutboundService } from './outbound.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks (REST CRUD for admins, signed deliveries with retries and dead letters) and MQTT.
 * Needs CoreModule, DataModule (ScopeInputValidator), AuthModule and RealtimeModule (the event log).
 */
@Module({})
export class OutboundModule {
  static forRoot(options: OutboundOptionsInput = {}): DynamicModule {
    return {
      module: OutboundModule,
      controllers: [WebhooksController],
      providers: [
        {
          provide: OUTBOUND_OPTIONS,
          useFactory: (settings: Settings) => resolveOutboundOptions({ queuePrefix: settings.queuePrefix, ...options }),
          inject: [SETTINGS],
        },
        {
          provide: WebhooksRepository,
          useFactory: (db: Kysely<Database>) => new WebhooksRepository(db),
          inject: [KYSELY],
        },
        WebhooksService,
        OutboundService,
      ],
      exports: [WebhooksRepository, OutboundService],
    };
  }
}
