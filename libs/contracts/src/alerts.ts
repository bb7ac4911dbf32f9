import type { Box } from './detections';

export type Severity = 'info' | 'warning' | 'major' | 'critical';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, major: 2, critical: 3 };

export type RuleType =
  | 'zone_enter'
  | 'dwell'
  | 'vanish_in_water'
  | 'crowd'
  | 'line_cross'
  | 'camera_covered'
  | 'camera_blurred'
  | 'camera_frozen'
  | 'camera_moved'
  | 'camera_offline';

/** One object drawn on an alert's snapshot. */
export interface AlertBox {
  box: Box;
  label: string;
  score: number;
  trackId?: number;
}

/**
 * Job data on the `alerts` queue. `alertId` is deterministic (camera, rule, track, start) so that the
 * API consumes it idempotently; `kind: 'updated'` carries later events of the same alert.
 */
export interface AlertEvent {
  alertId: string;
  kind: 'created' | 'updated';
  cameraId: string;
  ruleId: string;
  rule: RuleType;
  severity: Severity;
  zoneId?: string;
  trackId?: number;
  /** Epoch ms at which the condition started (first frame of the event). */
  startedAt: number;
  /** Epoch ms of the frame that triggered this event. */
  capturedAt: number;
  score: number;
  boxes: AlertBox[];
  /** Human-readable summary, e.g. "person in water zone 'pond' for 3 frames". */
  message: string;
  /** Path of the annotated JPEG relative to the shared snapshot directory, if one was stored. */
  snapshotPath?: string;
  /** Id of the alert this one supersedes (e.g. zone_enter → vanish_in_water on the same track). */
  relatedAlertId?: string;
  /** The triggering frame's FrameJob.streamDelaySeconds: the scene is about this much older than `capturedAt`. */
  streamDelaySeconds?: number;
}
