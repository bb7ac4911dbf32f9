import { CAMERA_HEALTH_RULES } from '../shared/camera-health-rules';
import type { PushEvent } from '../shared/push-events';

// "This calls for attention" is decided once, by the intake (`alarmedAt`); outbound channels that
// must not repeat every update to a siren (webhooks' alarmsOnly, MQTT's alarm topics) read it here.

/**
 * Whether an alert event calls for attention (WebhookFilters.alarmsOnly, MQTT alarm topics): its
 * `alarm` flag, set by the intake from its own transaction (opened critical, or raised to critical /
 * critical anew). Never once resolved, never a camera's health alert (a covered camera made critical
 * is no reason to sound the pond's siren). Events logged before the flag existed: created critical,
 * or updated with `alarmedAt` at `updatedAt`.
 */
export function raisesAlarm(event: Pick<PushEvent, 'type' | 'data'>): boolean {
  if (event.type === 'camera.status') return false;
  const { alarm, severity, state, rule, alarmedAt, updatedAt } = event.data;
  if (state === 'resolved' || (typeof rule === 'string' && CAMERA_HEALTH_RULES.has(rule))) return false;
  if (typeof alarm === 'boolean') return alarm;
  if (typeof alarmedAt !== 'number') return false;
  return event.type === 'alert.created' ? severity === 'critical' : alarmedAt === updatedAt;
}
