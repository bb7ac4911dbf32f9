// What the console reads from alerts-api (docs/api.md). Times are epoch milliseconds.

export type Role = 'admin' | 'operator' | 'school' | 'viewer';
export type Severity = 'info' | 'warning' | 'major' | 'critical';
export type AlertState = 'open' | 'acknowledged' | 'dispatched' | 'resolved';

export interface Principal {
  kind: 'user' | 'api_key';
  id: string;
  name: string;
  role: Role;
  regionIds: string[];
  cameraIds: string[];
  waters?: string[];
}

export interface AlertBox {
  box: [number, number, number, number];
  label: string;
  score: number;
  trackId?: number;
}

export interface Alert {
  id: string;
  /** Seconds the camera's stream arrived behind real time with the newest evidence; null near live. */
  streamDelaySeconds?: number | null;
  cameraId: string;
  cameraName: string | null;
  regionId: string | null;
  ruleId: string;
  rule: string;
  severity: Severity;
  zoneId: string | null;
  /** The zone's display name in the camera's configuration, when it has one. */
  zoneName: string | null;
  state: AlertState;
  startedAt: number;
  capturedAt: number;
  score: number;
  boxes: AlertBox[];
  message: string;
  escalationLevel: number;
  responsibleRegionId: string | null;
  assignee: string | null;
  outcome: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  updatedAt: number;
  /** When it last called for attention as critical (opened, raised, raised again); null: never critical. */
  alarmedAt?: number | null;
  hasSnapshot: boolean;
  snapshotUrl: string | null;
}

/** Answer of POST /alerts/bulk/…: what happened to each alert, in the order asked. */
export interface BulkResult {
  succeeded: number;
  failed: number;
  results: ({ id: string; ok: true; state: AlertState } | { id: string; ok: false; status: number; error: string })[];
}

export interface Transition {
  id: number;
  action: string;
  from: string;
  to: string;
  actor: { kind: string; id: string; name: string };
  at: number;
  note: string | null;
  assignee: string | null;
  outcome: string | null;
  /** Facts behind a transition the API made itself; `note` is their English sentence (docs/api.md). */
  detail: TransitionDetail | null;
}

/** The analyzer event a system transition is about. */
export interface TransitionEventFacts {
  eventId: string;
  rule: string;
  ruleId: string;
  zoneId: string | null;
  labels: string[];
  message: string;
}

export interface TransitionRegionFacts {
  id: string;
  name: string;
  level: string;
}

export type TransitionDetail =
  | { kind: 'opened'; event: TransitionEventFacts }
  | { kind: 'superseded'; takesOver: boolean; previousRule: string; severityFrom: Severity; severityTo: Severity; event: TransitionEventFacts }
  | { kind: 'severity_raised'; severityFrom: Severity; severityTo: Severity; event: TransitionEventFacts }
  | { kind: 'escalated'; slaSeconds: number; fromRegion: TransitionRegionFacts; toRegion: TransitionRegionFacts }
  | { kind: 'camera_recovered'; offlineSeconds: number | null; backAt?: number; drops?: number }
  | { kind: 'camera_out_of_service'; reason: 'disabled' | 'deleted'; offlineSeconds: number; drops: number }
  /** An unstable link's alert closed: the camera then stayed dark the offline threshold, a new outage with its own alert. */
  | { kind: 'superseded_by_offline'; offlineAlertId: string; darkSince: number; thresholdSeconds: number }
  | { kind: 'called'; contact: { name: string; role: string | null; phone: string } };

export interface SiteContact {
  name: string;
  role?: string;
  phone: string;
}

/** Where a camera's scene is and whom to call (docs/operator-guide.md, "Site"). */
export interface Site {
  address?: string;
  directions?: string;
  /** WGS-84 degrees. */
  location?: { lat: number; lon: number };
  contacts: SiteContact[];
  rescueEquipment?: string;
}

/** With the camera's site as it is now. */
export type AlertDetail = Alert & {
  transitions: Transition[];
  site: Site | null;
  /** Every annotated snapshot the alert received, oldest first (the alert's own `snapshotUrl` is the newest). */
  snapshots: { capturedAt: number; url: string }[];
};

export interface Region {
  id: string;
  name: string;
  level: 'city' | 'county' | 'township' | 'village';
  parentId: string | null;
}

export type Point = [number, number];

export interface Zone {
  id: string;
  name?: string;
  type: 'water' | 'no_fishing' | 'crowd_area' | 'generic' | 'ignore';
  polygon: Point[];
}

export interface Line {
  id: string;
  name?: string;
  points: [Point, Point];
}

export type Rule = { id: string; type: string; enabled?: boolean; severity?: Severity; schedule?: ScheduleWindow[]; zone?: string } & Record<string, unknown>;

export interface ScheduleWindow {
  days?: number[];
  months?: number[];
  start: string;
  end: string;
}

export interface CameraStatus {
  status: 'online' | 'offline';
  reason: string | null;
  detail: string | null;
  since: number;
}

/** GET /cameras/:id/live: would the live view be let in now; `status` as the handshake would answer (429 this account's own bound, 503 no stream free). */
export type LiveAvailability = { available: true } | { available: false; status: 429 | 503; reason: string };

export interface Camera {
  id: string;
  name: string | null;
  enabled: boolean;
  regionId: string | null;
  url: string;
  subUrl: string | null;
  hasCredentials: boolean;
  zones: Zone[];
  lines: Line[];
  rules: Rule[] | null;
  effectiveRules: Rule[];
  status: CameraStatus | null;
  /** A maintenance window in force: the camera's health alerts are held back until `until`. */
  maintenance: { until: number; note: string | null; setBy: string } | null;
  /** When its frames were last analysed; `unanalysedSince` is set while it is online but nobody analyses them. */
  analysis: { analysedAt: number | null; unanalysedSince: number | null };
  /** Set while its stream arrives late (≥ 10 s, or its lower reconnect bound, within the last minute): its alerts come that much later. */
  streamDelay?: { seconds: number; at: number } | null;
  site: Site | null;
  /** Its version (epoch ms of the last save): sent back with a change, which the API refuses (409) once another save moved it. */
  updatedAt: number;
}

/** A camera near another one's site (GET /cameras/:id/nearby). */
export interface NearbyCamera {
  id: string;
  name: string | null;
  distanceM: number;
  status: 'online' | 'offline' | null;
}

/**
 * An alert as the push carries it. `alarm` (alerts-api alert-notifier.ts): this push is the alert
 * calling for attention — opened critical, or the one update that raised its alarm. Absent from REST.
 */
export type PushedAlert = Alert & { alarm?: boolean };

/** A message of the /ws push (docs/realtime.md). */
export type PushMessage =
  | { type: 'hello'; seq: number }
  | { type: 'resync_required'; seq: number }
  | { type: 'alert.created' | 'alert.updated'; seq: number; data: PushedAlert }
  | { type: 'camera.status'; seq: number; data: { cameraId: string; status: string; reason?: string; at: number } }
  | { type: 'pong' }
  | { type: 'error'; message: string };

export interface ReportCounts {
  alerts: number;
  critical: number;
  trueAlarms: number;
  falseAlarms: number;
}

export interface ReportDurations {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  maxMs: number | null;
}

/** GET /reports/alerts (alerts-api src/reports/alert-report.ts). */
export interface AlertReport {
  from: number;
  to: number;
  regionId: string | null;
  timezone: string;
  generatedAt: number;
  totals: ReportCounts & { byState: Record<string, number>; falseAlarmRate: number | null; escalated: number };
  acknowledge: ReportDurations & { waiting: number; oldestWaitingMs: number | null };
  resolve: ReportDurations;
  byRule: Array<{ rule: string } & ReportCounts>;
  byRegion: Array<{ regionId: string | null; regionName: string | null } & ReportCounts>;
  byCamera: Array<{ cameraId: string; cameraName: string | null } & ReportCounts>;
  byHour: number[];
  downtime: { outages: number; offlineMs: number; cameras: Array<{ cameraId: string; cameraName: string | null; outages: number; offlineMs: number; stillOffline: boolean }> };
}
