import type { AlertBox, RuleType, Severity } from '@xl/contracts';
import type { AlertOutcome, AlertState } from '../db/schema';
import type { TransitionDetail } from './transition-detail';

/** An alert as stored (domain shape of the alerts table). */
export interface Alert {
  id: string;
  cameraId: string;
  cameraName: string | null;
  regionId: string | null;
  ruleId: string;
  rule: RuleType;
  severity: Severity;
  zoneId: string | null;
  /** The zone's display name in the camera's configuration now (read like `cameraName`); null when it has none. */
  zoneName: string | null;
  trackId: number | null;
  state: AlertState;
  startedAt: number;
  capturedAt: number;
  score: number;
  boxes: AlertBox[];
  message: string;
  snapshotPath: string | null;
  escalationLevel: number;
  responsibleRegionId: string | null;
  escalationDueAt: number | null;
  relatedAlertId: string | null;
  assignee: string | null;
  outcome: AlertOutcome | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  createdAt: number;
  updatedAt: number;
  pushedAt: number | null;
  /**
   * When the alert last called for attention as critical: opened critical, raised to critical, or its
   * critical condition raised again (a swimmer who bobbed up and went under once more). Screens sound
   * the alarm, and schools are warned again, for each new value. Null: never critical.
   */
  alarmedAt: number | null;
  /**
   * How far behind real time the camera's stream arrived with the newest evidence (seconds): the
   * scene is that much older than `capturedAt`. Null when the stream was near live (under 1 s).
   */
  streamDelaySeconds: number | null;
}

export interface AlertTransition {
  id: number;
  alertId: string;
  action: string;
  from: string;
  to: string;
  actor: { kind: string; id: string; name: string };
  at: number;
  note: string | null;
  assignee: string | null;
  outcome: string | null;
  escalationLevel: number | null;
  regionId: string | null;
  /** The facts behind a transition the API made itself (the note is their English sentence); null for people's actions. */
  detail: TransitionDetail | null;
}

/** Who did something: a person, a machine key, or the API itself (escalation, intake, recovery). */
export interface Actor {
  kind: 'user' | 'api_key' | 'system';
  id: string;
  name: string;
}

export const SYSTEM = {
  intake: { kind: 'system', id: 'intake', name: 'alert intake' },
  escalation: { kind: 'system', id: 'escalation', name: 'escalation' },
  cameraStatus: { kind: 'system', id: 'camera-status', name: 'camera status' },
} as const satisfies Record<string, Actor>;

/** The alert as REST returns it and as pushes carry it. */
export function alertView(alert: Alert) {
  const { pushedAt: _pushed, snapshotPath, ...rest } = alert;
  return {
    ...rest,
    hasSnapshot: snapshotPath !== null,
    snapshotUrl: snapshotPath !== null ? `/alerts/${encodeURIComponent(alert.id)}/snapshot` : null,
  };
}

export type AlertView = ReturnType<typeof alertView>;

/**
 * The `updatedAt` of a change written on top of `current`: never at or before the stored one.
 * Screens keep the copy with the newest `updatedAt`, and a writer's clock reading can be older than
 * the row it writes (read before it waited for the row lock, or on a host whose clock lags).
 */
export function laterUpdate(now: number, current: Pick<Alert, 'updatedAt'>): number {
  return Math.max(now, current.updatedAt + 1);
}
