import type { Box } from './detections';

export type Severity = 'info' | 'warning' | 'major' | 'critical';
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, major: 2, critical: 3 };

/**
 * The BullMQ priority of work about an alert of `severity`: none (0) for critical, whose jobs go on the
 * wait list before every prioritised one, then 1 major, 2 warning, 3 info. Behind a storm's minor
 * events a drowning waited for the whole backlog (review 2026-12-03 alert-storms).
 */
export function queuePriority(severity: Severity): number {
  return SEVERITY_RANK.critical - SEVERITY_RANK[severity];
}

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

/**
 * Rules about the camera itself rather than something in its picture: camera_offline (raised by
 * alerts-api from the camera's status) and the picture checks of the analyzer. A maintenance window
 * holds them back; of these alone the analyzer sends `ended`, so that alerts-api can tell a picture
 * problem the window held back that is over from one that outlasts the window.
 */
export const CAMERA_HEALTH_RULE_TYPES = ['camera_offline', 'camera_frozen', 'camera_covered', 'camera_blurred', 'camera_moved'] as const satisfies readonly RuleType[];

export function isCameraHealthRule(rule: RuleType): boolean {
  return (CAMERA_HEALTH_RULE_TYPES as readonly RuleType[]).includes(rule);
}

/** One object drawn on an alert's snapshot. */
export interface AlertBox {
  box: Box;
  label: string;
  score: number;
  trackId?: number;
}

/**
 * Job data on the `alerts` queue. `alertId` is deterministic (camera, rule, track, start) so that the
 * API consumes it idempotently; `kind: 'updated'` carries later events of the same alert; `ended`
 * says its condition is over (sent for camera health rules only; it never closes a stored alert).
 */
export interface AlertEvent {
  alertId: string;
  kind: 'created' | 'updated' | 'ended';
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
