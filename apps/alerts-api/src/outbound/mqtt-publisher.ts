import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '@xl/observability';
import { redactUrl } from '../common/redact';
import type { LogEvent } from '../realtime/event-log';
import { scopeOf } from '../shared/push-events';
import { raisesAlarm } from './alarm-moment';
import type { NewestStatus, RetainedStatusGuard } from './retained-status';

/** Topic of an event: alerts per region and camera; camera status retained per camera. */
export function mqttTopicFor(
  prefix: string,
  event: Pick<LogEvent, 'type' | 'scope'>,
): { topic: string; retain: boolean } {
  const camera = topicLevel(event.scope.cameraId);
  if (event.type === 'camera.status') return { topic: `${prefix}/cameras/${camera}/status`, retain: true };
  const region = topicLevel(event.scope.regionPath.at(-1) ?? 'unassigned');
  return { topic: `${prefix}/alerts/${region}/${camera}`, retain: false };
}

/**
 * Where an alarm is published besides its alert topic: `<prefix>/alarms/<region>/<camera>/<zone>`
 * (`_` for a zone-less one), only for the events that call for attention — a siren subscribed to its
 * pond's topic sounds on every message and never for an acknowledgement. Null for other events.
 */
export function mqttAlarmTopicFor(prefix: string, event: Pick<LogEvent, 'type' | 'scope' | 'data'>): string | null {
  if (!raisesAlarm(event)) return null;
  const region = topicLevel(event.scope.regionPath.at(-1) ?? 'unassigned');
  const zone = scopeOf(event).alert?.zoneId;
  return `${prefix}/alarms/${region}/${topicLevel(event.scope.cameraId)}/${zone ? topicLevel(zone) : '_'}`;
}

/**
 * A deleted camera's status: published, then its retained message cleared (an empty retained
 * payload, MQTT's way to delete one), so the camera leaves every wall display's list instead of
 * staying there out of service for ever.
 */
export function clearsRetainedStatus(event: Pick<LogEvent, 'type' | 'data'>): boolean {
  return event.type === 'camera.status' && event.data.status === 'out_of_service' && event.data.reason === 'deleted';
}

/** The message of an event, on each of its topics. */
export function mqttPayload(event: Pick<LogEvent, 'seq' | 'type' | 'data'>): string {
  return JSON.stringify({ seq: event.seq, type: event.type, data: event.data });
}

/** A topic level never contains a separator or wildcard, whatever an id holds. */
function topicLevel(id: string): string {
  return [...id].map((ch) => ('/+#'.includes(ch) || ch === String.fromCharCode(0) ? '_' : ch)).join('') || '_';
}

/**
 * Publishes push events to an MQTT broker with QoS 1 (on-site loudspeakers, other integrations).
 * The client reconnects by itself; publish() resolves once the broker acknowledged every message,
 * so the caller acknowledges its stream entries only after that.
 */
export class MqttPublisher {
  /** Rejects once close() was called: mqtt.js never settles a publish queued while offline, even on end(true). */
  private readonly closed: Promise<never>;
  private rejectClosed!: (err: Error) => void;

  private constructor(
    private readonly client: MqttClient,
    private readonly topicPrefix: string,
  ) {
    this.closed = new Promise<never>((_, reject) => (this.rejectClosed = reject));
    this.closed.catch(() => undefined);
  }

  static connect(url: string, topicPrefix: string, logger: Logger): MqttPublisher {
    const client = connect(url, {
      clientId: `xl-alerts-api-${randomBytes(6).toString('hex')}`,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      clean: true,
    });
    const where = redactUrl(url);
    client.on('connect', () => logger.info({ broker: where }, 'MQTT connected'));
    client.on('offline', () => logger.warn({ broker: where }, 'MQTT offline; reconnecting'));
    client.on('error', (err) => logger.warn({ broker: where, err: err.message }, 'MQTT error'));
    return new MqttPublisher(client, topicPrefix);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Resolves once the broker acknowledged every message; rejects when the publisher is closed first.
   * `retainable`: the seqs of the camera statuses that may be retained (all when not given); the
   * others are published but not retained (an older status published again after a newer one).
   */
  async publish(events: LogEvent[], retainable?: Set<number>): Promise<void> {
    const acknowledged = Promise.all(
      events.flatMap((event) => {
        const topicOf = mqttTopicFor(this.topicPrefix, event);
        const { topic } = topicOf;
        const retain = topicOf.retain && (!retainable || retainable.has(event.seq));
        const clear = retain && clearsRetainedStatus(event);
        const payload = mqttPayload(event);
        const alarm = mqttAlarmTopicFor(this.topicPrefix, event);
        return [
          this.client.publishAsync(topic, payload, { qos: 1, retain: retain && !clear }),
          // After the status on the same topic and connection: QoS 1 keeps their order.
          ...(clear ? [this.client.publishAsync(topic, '', { qos: 1, retain: true })] : []),
          ...(alarm ? [this.client.publishAsync(alarm, payload, { qos: 1, retain: false })] : []),
        ];
      }),
    );
    await Promise.race([acknowledged, this.closed]);
  }

  /**
   * publish(), keeping each camera's retained status at its newest across instances. The guard
   * records the batch's statuses and says which may be retained; the broker may still get them
   * after a newer one another instance published (this instance's link was down meanwhile). So once
   * the broker acknowledged, each camera whose recorded newest status is newer than this batch's
   * gets that one published retained again (a deleted camera's: cleared again), and so on until
   * none is newer: whichever instance reaches the broker last leaves the newest there. Subscribers
   * drop the repeat by its seq. Costs one Redis read per batch with statuses when nothing raced.
   */
  async publishGuarded(events: LogEvent[], guard: RetainedStatusGuard): Promise<void> {
    await this.publish(events, await guard.newest(events));
    // An older status published not retained also checks: its instance's retained publish may have
    // reached the broker after the newest one and that instance died before checking.
    let published = new Map<string, number>();
    for (const event of events) {
      if (event.type !== 'camera.status') continue;
      published.set(event.scope.cameraId, Math.max(event.seq, published.get(event.scope.cameraId) ?? -1));
    }
    while (published.size) {
      const newer = await guard.newerThan(published);
      if (!newer.length) return;
      await this.republishRetained(newer);
      published = new Map(newer.map((status) => [status.cameraId, status.seq]));
    }
  }

  /** Publishes each camera's newest status retained again, or clears it for a deleted camera. */
  private async republishRetained(statuses: NewestStatus[]): Promise<void> {
    const acknowledged = Promise.all(
      statuses.map(({ cameraId, payload }) => {
        const { topic } = mqttTopicFor(this.topicPrefix, { type: 'camera.status', scope: { cameraId, regionPath: [] } });
        const clear = clearsRetainedStatus(JSON.parse(payload) as Pick<LogEvent, 'type' | 'data'>);
        return this.client.publishAsync(topic, clear ? '' : payload, { qos: 1, retain: true });
      }),
    );
    await Promise.race([acknowledged, this.closed]);
  }

  /**
   * Ends the connection and fails publishes still waiting for the broker (it may be unreachable):
   * their stream entries stay unacknowledged and are published again by the next instance.
   */
  async close(): Promise<void> {
    this.rejectClosed(new Error('MQTT publisher closed before the broker acknowledged'));
    await this.client.endAsync(true);
  }
}
