import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { duplicateClient, type RedisClient } from '@xl/queue';
import type { Registry } from 'prom-client';
import type { Logger } from '@xl/observability';
import { LOGGER, METRICS_REGISTRY, REDIS } from '../core/tokens';
import { Clock } from '../common/clock';
import { AccessPolicy, CredentialVerifier } from '../shared/principal';
import { parsePrincipalChange, principalChangesChannel } from '../shared/principal-changes';
import { EventFeed } from './event-feed';
import { RedisEventLog } from './event-log';
import { RealtimeMetrics } from './realtime.metrics';
import type { RealtimeOptions } from './realtime.options';
import { WsPushServer } from './ws-push-server';

/** Token of the options; defined here (not in the module file) to keep the import graph acyclic. */
export const REALTIME_OPTIONS = Symbol('realtime options');

/** Owns this instance's feed (its pub/sub subscriber) and the /ws endpoint on the app's HTTP server. */
@Injectable()
export class RealtimeService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly subscriber: RedisClient;
  readonly feed: EventFeed;
  readonly server: WsPushServer;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    @Inject(REDIS) redis: RedisClient,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
    clock: Clock,
    log: RedisEventLog,
    verifier: CredentialVerifier,
    policy: AccessPolicy,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.logger = logger.child({ module: 'realtime' });
    this.subscriber = duplicateClient(redis);
    this.subscriber.on('error', (err) => this.logger.warn({ err: err.message }, 'push subscriber connection error'));
    this.feed = new EventFeed(this.subscriber, log, this.logger, { headCheckMs: options.headCheckMs });
    this.server = new WsPushServer({
      log,
      feed: this.feed,
      verifier,
      policy,
      options,
      metrics: new RealtimeMetrics(registry, () => clock.now()),
      logger: this.logger,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.feed.start();
    // A user or API key changed on any instance: its open connections here check it again now.
    const channel = principalChangesChannel(this.options.keyPrefix);
    this.subscriber.on('message', (from: string, message: string) => {
      const changed = from === channel ? parsePrincipalChange(message) : null;
      if (changed) this.server.recheck(changed);
    });
    await this.subscriber.subscribe(channel);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      this.logger.warn('no HTTP server (application context?): WebSocket push is not served');
      return;
    }
    this.server.attach(server);
    this.logger.info({ path: this.options.path }, 'WebSocket push endpoint ready');
  }

  async onModuleDestroy(): Promise<void> {
    await this.server.close();
    await this.feed.stop();
    this.subscriber.disconnect();
  }
}
