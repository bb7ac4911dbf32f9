import { Injectable } from '@nestjs/common';
import { EventPublisher, type PublishOutcome, type PushEvent } from '../shared/push-events';
import { RedisEventLog } from './event-log';

/**
 * The app's EventPublisher: one atomic append to the Redis event log (sequence number, backlog,
 * pub/sub). Every instance's WebSocket clients get it from pub/sub; webhooks and MQTT follow the
 * backlog stream with consumer groups (OutboundModule), so publish() never waits on a receiver.
 */
@Injectable()
export class RedisEventPublisher extends EventPublisher {
  constructor(private readonly log: RedisEventLog) {
    super();
  }

  async publish(event: PushEvent): Promise<PublishOutcome> {
    const logged = await this.log.append(event);
    return logged.duplicate ? { duplicate: true } : undefined;
  }
}
