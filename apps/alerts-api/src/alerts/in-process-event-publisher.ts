import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { EventPublisher, type PushEvent } from '../shared/push-events';

/**
 * Stand-in EventPublisher used while no RealtimeModule is wired: delivers to in-process listeners
 * only (no Redis fan-out, no WebSocket). The app binds the realtime module's publisher when present.
 */
@Injectable()
export class InProcessEventPublisher extends EventPublisher {
  private readonly emitter = new EventEmitter();

  async publish(event: PushEvent): Promise<void> {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: PushEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
