import { SEVERITY_RANK, type Severity } from '@xl/contracts';
import { scopeOf, type PushEvent, type PushEventType } from '../shared/push-events';
import { inWaters } from '../shared/waters';
import { raisesAlarm } from './alarm-moment';

/** What a webhook subscription receives. */
export interface WebhookFilters {
  /** Event types delivered (at least one). */
  eventTypes: PushEventType[];
  /** Alerts below this severity are not delivered; camera.status events ignore it. Null: all. */
  minSeverity: Severity | null;
  /** Region subtrees: an event whose camera lies under one of them matches. */
  regionIds: string[];
  /** Explicit cameras. With neither regions nor cameras the subscription covers everything. */
  cameraIds: string[];
  /**
   * Water zones 'camera/zone' of cameras in `cameraIds`: such a camera delivers only those zones'
   * alerts and its own health alerts and status — a school's siren for its pond, not for the square
   * the same camera watches. Cameras without any: all their alerts.
   */
  waters: string[];
  /**
   * Only the moments an alert calls for attention: created critical, or updated by news that raised
   * its alarm (raised to critical, or a critical condition anew) — the intake's `alarm` flag, read by
   * raisesAlarm (alarm-moment.ts).
   * Never an acknowledgement, note, escalation or resolution, nor camera status. For receivers that
   * act on any POST — a siren — since a drowning usually arrives as an update of the alert opened
   * when the person entered the water, not as a new alert.
   */
  alarmsOnly: boolean;
}

export function matchesFilters(filters: WebhookFilters, event: Pick<PushEvent, 'type' | 'scope' | 'data'>): boolean {
  if (!filters.eventTypes.includes(event.type)) return false;
  if (filters.alarmsOnly && !raisesAlarm(event)) return false;
  if (filters.minSeverity && event.type !== 'camera.status') {
    const severity = event.data.severity as Severity | undefined;
    if (!severity || !(severity in SEVERITY_RANK) || SEVERITY_RANK[severity] < SEVERITY_RANK[filters.minSeverity])
      return false;
  }
  if (filters.regionIds.length === 0 && filters.cameraIds.length === 0) return true;
  const { cameraId, regionPath } = event.scope;
  if (!filters.cameraIds.includes(cameraId) && !regionPath.some((id) => filters.regionIds.includes(id))) return false;
  return event.type === 'camera.status' || inWaters(filters.waters, cameraId, scopeOf(event).alert);
}
