import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { duplicateClient, type RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { LOGGER, REDIS } from '../core/tokens';
import { parsePrincipalChange, PrincipalChanges, principalChangesChannel, type PrincipalRef } from '../shared/principal-changes';
import type { RealtimeOptions } from './realtime.options';
import { REALTIME_OPTIONS } from './realtime.service';

/** PrincipalChanges over Redis pub/sub: every instance's RealtimeService listens, and listen()'s callers. */
@Injectable()
export class RedisPrincipalChanges extends PrincipalChanges implements OnModuleDestroy {
  private readonly channel: string;
  private readonly listeners = new Set<(changed: PrincipalRef) => void>();
  /** One connection for every listener of this instance, made by the first (a subscribed client can do nothing else). */
  private subscriber: RedisClient | undefined;
  private subscribed: Promise<void> | undefined;

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

  listen(listener: (changed: PrincipalRef) => void): Promise<void> {
    this.listeners.add(listener);
    if (this.subscribed) return this.subscribed;
    const subscriber = duplicateClient(this.redis);
    this.subscriber = subscriber;
    // ioredis subscribes again after a reconnect; what was announced meanwhile waits for the periodic re-checks.
    subscriber.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'principal changes subscriber connection error'));
    subscriber.on('message', (from: string, message: string) => {
      const changed = from === this.channel ? parsePrincipalChange(message) : null;
      if (changed) this.notify(changed);
    });
    this.subscribed = subscriber.subscribe(this.channel).then(() => undefined);
    return this.subscribed;
  }

  onModuleDestroy(): void {
    this.listeners.clear();
    this.subscriber?.disconnect();
  }

  private notify(changed: PrincipalRef): void {
    for (const listener of this.listeners) {
      // One listener that throws must not keep the change from the others.
      try {
        listener(changed);
      } catch (err) {
        this.logger.error({ err, principal: changed }, 'a listener of principal changes failed');
      }
    }
  }
}
