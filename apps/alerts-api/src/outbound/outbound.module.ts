import { type DynamicModule, Module } from '@nestjs/common';
import { SETTINGS, type Settings } from '../settings';
import { resolveOutboundOptions, type OutboundOptionsInput } from './outbound.options';
import { OUTBOUND_OPTIONS, OutboundService } from './outbound.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks (REST CRUD for admins, signed deliveries with retries and dead letters) and MQTT.
 * Needs CoreModule, DataModule (ScopeInputValidator, WebhooksRepository), AuthModule and RealtimeModule (the event log).
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
        WebhooksService,
        OutboundService,
      ],
      exports: [OutboundService],
    };
  }
}
