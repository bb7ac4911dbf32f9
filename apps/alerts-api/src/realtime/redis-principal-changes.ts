import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { LOGGER, REDIS } from '../core/tokens';
import { PrincipalChanges, principalChangesChannel, type PrincipalRef } from '../shared/principal-changes';
import type { RealtimeOptions } from './realtime.options';
import { REALTIME_OPTIONS } from './realtime.service';

/** PrincipalChanges over Redis pub/sub: every instance's RealtimeService listens. */
@Injectable()
export class RedisPrincipalChanges extends PrincipalChanges {
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REALTIME_OPTIONS) options: RealtimeOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.channel = principalChangesChannel(options.keyPrefix);
  }

  async announce(changed: PrincipalRef): Promise<void> {
    try {
      await this.redis.publish(this.channel, JSON.stringify({ kind: changed.kind, id: changed.id }));
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, principal: changed }, 'announcing a changed user or API key failed; its open WebSockets apply it at their next re-check');
    }
  }
}
