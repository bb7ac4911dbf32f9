import { type DynamicModule, Module } from '@nestjs/common';
import { OutboundModule } from '../outbound/outbound.module';
import type { OutboundOptionsInput } from '../outbound/outbound.options';
import type { RealtimeOptionsInput } from './realtime.options';
import { RealtimeModule } from './realtime.module';

/**
 * Everything that pushes events out of the API: the EventPublisher with WebSocket fan-out
 * (RealtimeModule, global) plus webhooks and MQTT (OutboundModule). AppModule imports this in
 * place of InProcessEventsModule.
 */
@Module({})
export class PushModule {
  static forRoot(options: { realtime?: RealtimeOptionsInput; outbound?: OutboundOptionsInput } = {}): DynamicModule {
    return {
      module: PushModule,
      imports: [RealtimeModule.forRoot(options.realtime), OutboundModule.forRoot(options.outbound)],
    };
  }
}
