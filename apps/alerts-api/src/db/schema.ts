import type { ColumnType, Generated } from 'kysely';

// Table types of the query layer. Times are epoch milliseconds (bigint in PostgreSQL, parsed back
// to number by the pool); JSON columns are text in both databases and parsed by the repositories;
// booleans are 0/1 integers so that one schema works on SQLite and PostgreSQL alike.

export type RegionLevel = 'city' | 'county' | 'township' | 'village';
export type AlertState = 'open' | 'acknowledged' | 'dispatched' | 'resolved';
export type AlertOutcome = 'true_alarm' | 'false_alarm' | 'duplicate' | 'recovered';

export interface RegionsTable {
  id: string;
  name: string;
  level: RegionLevel;
  parent_id: string | null;
  created_at: number;
  updated_at: number;
}

/** Closure of the region tree: one row per (ancestor, descendant) pair including (r, r) at depth 0. */
export interface RegionClosureTable {
  ancestor_id: string;
  descendant_id: string;
  depth: number;
}

export interface CamerasTable {
  id: string;
  name: string | null;
  enabled: number;
  region_id: string | null;
  /** Full main-stream URL including credentials; never returned or logged. */
  url: string;
  sub_url: string | null;
  fps: number;
  model: string;
  timezone: string;
  masks: string;
  zones: string;
  lines: string;
  /** JSON array, or null for "the zone types' default rules". */
  rules: string | null;
  motion: string;
  watchdog: string;
  /** JSON RecordingConfig, or null for the defaults (cameras stored before migration 0003). */
  recording: string | null;
  /** JSON SiteConfig, or null when the camera has none (migration 0011). */
  site: string | null;
  /** The site's values, lower-cased, for the camera search (migration 0013); null without a site. */
  site_text: string | null;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: string;
  region_ids: string;
  camera_ids: string;
  /** JSON array of 'camera/zone': a school's waters (migration 0009). */
  waters: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  /** Epoch ms the password was last changed; sign-ins from before it are no longer valid. */
  password_changed_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  role: string;
  region_ids: string;
  camera_ids: string;
  /** JSON array of 'camera/zone': a school key's waters (migration 0009). */
  waters: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AlertsTable {
  id: string;
  camera_id: string;
  region_id: string | null;
  rule_id: string;
  rule: string;
  severity: string;
  severity_rank: number;
  zone_id: string | null;
  track_id: number | null;
  state: AlertState;
  started_at: number;
  captured_at: number;
  score: number;
  boxes: string;
  message: string;
  snapshot_path: string | null;
  escalation_level: number;
  /** The region whose operators are responsible now: the camera's region, moved up by escalation. */
  responsible_region_id: string | null;
  /** When the next escalation is due (null: acknowledged, no SLA, or nowhere higher to go). */
  escalation_due_at: number | null;
  related_alert_id: string | null;
  assignee: string | null;
  outcome: AlertOutcome | null;
  acknowledged_by: string | null;
  acknowledged_at: number | null;
  resolved_at: number | null;
  created_at: number;
  updated_at: number;
  /** When alert.created was handed to the publisher; null means a retry must push it again. */
  pushed_at: number | null;
  /** When it last called for attention as critical (opened, raised, raised again); null: never critical. */
  alarmed_at: number | null;
  /** alarmed_at of an alarm raised by an update and not pushed yet (migration 0015); null: none pending. */
  alarm_push_due?: number | null;
  /** updated_at of a change whose alert.updated is not pushed yet (migration 0018); null: none pending. */
  update_push_due?: number | null;
  /** Seconds the stream arrived behind real time with the newest evidence (migration 0010); null near live. */
  stream_delay_seconds: number | null;
}

export interface AlertTransitionsTable {
  id: Generated<number>;
  alert_id: string;
  action: string;
  from_state: string;
  to_state: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  at: number;
  note: string | null;
  assignee: string | null;
  outcome: string | null;
  escalation_level: number | null;
  region_id: string | null;
  /** JSON TransitionDetail of a transition the API made itself; null for people's actions and older rows. */
  detail: string | null;
}

/** Every alert event consumed, for idempotency (same event twice → one effect) and aliasing. */
export interface AlertEventsTable {
  event_id: string;
  kind: string;
  captured_at: number;
  alert_id: string;
  received_at: number;
}

export interface CameraStatusTable {
  camera_id: string;
  status: 'online' | 'offline';
  reason: string | null;
  detail: string | null;
  since: number;
  offline_since: number | null;
  ingest_id: string | null;
  updated_at: number;
  recovered_from: number | null;
  stable_ms: ColumnType<number | null, number | null | undefined, number | null>;
  outage_drops: ColumnType<number, number | undefined, number>;
  /** JSON `[[start, end], …]` of the camera's recent drops (migration 0026, camera-status/unstable-link.ts). */
  recent_drops: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the current outage was found unstable (migration 0026); null otherwise. */
  unstable_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface StreamOffsetsTable {
  stream: string;
  last_id: string;
}

export type EvidenceStatus = 'pending' | 'complete' | 'truncated' | 'unavailable' | 'deleted';

/** An alert's clip and high-resolution snapshot (files in the shared evidence directory). */
export interface AlertEvidenceTable {
  alert_id: string;
  camera_id: string;
  status: EvidenceStatus;
  reason: string | null;
  clip_path: string | null;
  snapshot_path: string | null;
  requested_from: number | null;
  requested_to: number | null;
  clip_from: number | null;
  clip_to: number | null;
  /** Recorded time the clip shows (holes left out), ms; null from ingests before it (migration 0021). */
  duration_ms: number | null;
  bytes: number;
  ingest_id: string | null;
  requested_at: number;
  /** requested_at of a clip request not on the request stream yet; null once it is (migration 0020). */
  request_due: number | null;
  result_at: number | null;
  deleted_at: number | null;
  updated_at: number;
}

/** Every annotated snapshot an alert received (migration 0012); retention deletes them with the alert's evidence. */
export interface AlertSnapshotsTable {
  alert_id: string;
  /** Relative to SNAPSHOT_DIR. */
  path: string;
  captured_at: number;
}

/** A camera's maintenance window: its health alerts are not raised until `until`. */
export interface CameraMaintenanceTable {
  camera_id: string;
  until: number;
  note: string | null;
  /** Name of who set it (user or API key). */
  set_by: string;
  set_at: number;
}

/** A camera health alert's `created` event held back during its camera's maintenance window (migration 0022). */
export interface HeldHealthAlertsTable {
  alert_id: string;
  camera_id: string;
  rule: string;
  /** The AlertEvent as JSON. */
  event: string;
  held_at: number;
}

export interface Database {
  regions: RegionsTable;
  region_closure: RegionClosureTable;
  cameras: CamerasTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  alerts: AlertsTable;
  alert_transitions: AlertTransitionsTable;
  alert_events: AlertEventsTable;
  camera_status: CameraStatusTable;
  stream_offsets: StreamOffsetsTable;
  alert_evidence: AlertEvidenceTable;
  alert_snapshots: AlertSnapshotsTable;
  camera_maintenance: CameraMaintenanceTable;
  held_health_alerts: HeldHealthAlertsTable;
}

export type Timestamp = ColumnType<number, number, number>;
