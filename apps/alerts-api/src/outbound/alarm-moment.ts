import type { PushEvent } from '../shared/push-events';

// "This calls for attention" is decided once, by the intake (`alarmedAt`); outbound channels that
// must not repeat every update to a siren (webhooks' alarmsOnly, MQTT's alarm topics) read it here.

/**
 * Whether an alert event calls for attention (WebhookFilters.alarmsOnly, MQTT alarm topics): created
 * critical, or updated with its `alarmedAt` moved to its `updatedAt`; never once resolved.
 */
export function raisesAlarm(event: Pick<PushEvent, 'type' | 'data'>): boolean {
  const { severity, state, alarmedAt, updatedAt } = event.data;
  if (event.type === 'camera.status' || state === 'resolved' || typeof alarmedAt !== 'number') return false;
  return event.type === 'alert.created' ? severity === 'critical' : alarmedAt === updatedAt;
}

