import type { ScopedResource } from './principal';

export type PushEventType = 'alert.created' | 'alert.updated' | 'camera.status';

/** Something to push to connected clients in scope (and to webhooks / MQTT). */
export interface PushEvent {
  type: PushEventType;
  scope: ScopedResource;
  /** The alert (as the REST API returns it) or the camera status. */
  data: Record<string, unknown>;
  /** Epoch ms the frame behind it was captured; for the capture → WebSocket latency metric. */
  capturedAt?: number;
  /**
   * The alarmedAt of the alarm this push carries (an update that raised it): the event log keeps one
   * push per (alert, alarm) whoever pushes it again. Absent for every other event.
   */
  alarmAt?: number;
}

/** `duplicate`: the event log already held this alarm's push (PushEvent.alarmAt) and kept that one. */
export type PublishOutcome = { duplicate?: true } | void;

/** Fans events out to every API instance's clients (Redis pub/sub) and the outbound channels. */
export abstract class EventPublisher {
  abstract publish(event: PushEvent): Promise<PublishOutcome>;
}

/**
 * The event's scope, with an alert's zone and rule taken from its data when the scope lacks them:
 * events logged by an API from before waters (a resume across the upgrade, an old instance in a
 * rolling one) would otherwise pass a school's waters as if they were about the camera itself.
 */
export function scopeOf(event: Pick<PushEvent, 'type' | 'scope' | 'data'>): ScopedResource {
  if (event.type === 'camera.status' || event.scope.alert) return event.scope;
  const { zoneId, rule } = event.data;
  return { ...event.scope, alert: { zoneId: typeof zoneId === 'string' ? zoneId : null, rule: typeof rule === 'string' ? rule : '' } };
}
