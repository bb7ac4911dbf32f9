import { Global, Module } from '@nestjs/common';
import { EventPublisher } from '../shared/push-events';
import { InProcessEventPublisher } from './in-process-event-publisher';

/** Binds the in-process EventPublisher (no WebSocket fan-out); replaced by the RealtimeModule's. */
@Global()
@Module({
  providers: [InProcessEventPublisher, { provide: EventPublisher, useExisting: InProcessEventPublisher }],
  exports: [EventPublisher, InProcessEventPublisher],
})
export class InProcessEventsModule {}
