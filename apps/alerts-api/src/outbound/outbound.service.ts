import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Logger } from '@xl/observability';
import { duplicateClient, type RedisClient } from '@xl/queue';
import { Clock } from '../common/clock';
import { LOGGER, METRICS_REGISTRY, REDIS } from '../core/tokens';
import { RedisEventLog } from '../realtime/event-log';
import { MqttPublisher } from './mqtt-publisher';
import { RetainedStatusGuard } from './retained-status';
import type { OutboundOptions } from './outbound.options';
import { StreamFollower } from './stream-follower';
import { WebhookDeliveries } from './webhook-delivery';
import { WebhooksRepository } from './webhooks.repository';

export const OUTBOUND_OPTIONS = Symbol('outbound options');

/**
 * Webhooks and MQTT follow the push event log through Redis consumer groups (`webhooks`, `mqtt`):
 * each event is handled by one API instance and acknowledged only once it is queued (webhooks) or
 * acknowledged by the broker (MQTT), so a restart or a dead instance loses nothing.
 */
@Injectable()
export class OutboundService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly bullConnection: RedisClient;
  readonly deliveries: WebhookDeliveries;
  private readonly followers: StreamFollower[] = [];
  private mqtt: MqttPublisher | undefined;

  constructor(
    @Inject(OUTBOUND_OPTIONS) private readonly options: OutboundOptions,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(LOGGER) logger: Logger,
    private readonly log: RedisEventLog,
    repository: WebhooksRepository,
    clock: Clock,
  ) {
    this.logger = logger.child({ module: 'outbound' });
    // BullMQ workers block: they need a connection that never gives up on a command.
    this.bullConnection = duplicateClient(redis, { maxRetriesPerRequest: null });
    this.deliveries = new WebhookDeliveries({
      connection: this.bullConnection,
      repository,
      options,
      registry,
      logger: this.logger,
      // The gate's circuit is timed on Redis's clock; each host's own may be minutes off.
      now: () => clock.now(),
    });
  }

  get mqttEnabled(): boolean {
    return this.mqtt !== undefined;
  }

  async onModuleInit(): Promise<void> {
    this.deliveries.startWorker();
    await this.follow('webhooks', async (events) => void (await this.deliveries.dispatch(events)));
    if (this.options.mqttUrl) {
      const mqtt = MqttPublisher.connect(this.options.mqttUrl, this.options.mqttTopicPrefix, this.logger);
      this.mqtt = mqtt;
      const retained = new RetainedStatusGuard(this.redis, this.log.keys.mqttRetainedStatus);
      await this.follow('mqtt', (events) => mqtt.publishGuarded(events, retained));
    } else {
      this.logger.info('MQTT_URL is not set: MQTT publishing is off');
    }
  }

  async onModuleDestroy(): Promise<void> {
    // The followers stop after their current batch; closing MQTT fails a batch waiting for an
    // unreachable broker, which would otherwise hold shutdown until SIGKILL.
    const followersStopped = Promise.all(this.followers.splice(0).map((f) => f.stop()));
    await this.mqtt?.close();
    await followersStopped;
    await this.deliveries.close();
    this.bullConnection.disconnect();
  }

  private async follow(group: string, handle: ConstructorParameters<typeof StreamFollower>[3]): Promise<void> {
    const { consumerBlockMs, consumerBatch, claimIdleMs, consumerLivenessTtlMs } = this.options;
    // New at every start (two processes on one host never share one): what a dead process held is
    // taken over by the others once its liveness key is gone, not re-read by its successor.
    const consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const follower = new StreamFollower(
      duplicateClient(this.redis),
      this.log.keys.stream,
      { group, consumer, blockMs: consumerBlockMs, batch: consumerBatch, claimIdleMs, livenessTtlMs: consumerLivenessTtlMs },
      handle,
      this.logger,
      this.redis,
    );
    await follower.start();
    this.followers.push(follower);
  }
}
