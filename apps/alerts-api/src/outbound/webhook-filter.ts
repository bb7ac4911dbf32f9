import { SEVERITY_RANK, type Severity } from '@xl/contracts';
import type { PushEvent, PushEventType } from '../shared/push-events';

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
}

export function matchesFilters(filters: WebhookFilters, event: Pick<PushEvent, 'type' | 'scope' | 'data'>): boolean {
  if (!filters.eventTypes.includes(event.type)) return false;
  if (filters.minSeverity && event.type !== 'camera.status') {
    const severity = event.data.severity as Severity | undefined;
    if (!severity || !(severity in SEVERITY_RANK) || SEVERITY_RANK[severity] < SEVERITY_RANK[filters.minSeverity])
      return false;
  }
  if (filters.regionIds.length === 0 && filters.cameraIds.length === 0) return true;
  if (filters.cameraIds.includes(event.scope.cameraId)) return true;
  return event.scope.regionPath.some((id) => filters.regionIds.includes(id));
}
