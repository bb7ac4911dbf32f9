// The duty report: what happened in a period and how fast people reacted, computed from the alerts
// that started in it (downtime also from the outages still going at its start). Pure: the service
// hands in rows and region names, nothing here reads a store.
import type { RuleType, Severity } from '@xl/contracts';
import type { AlertOutcome, AlertState } from '../db/schema';
import { cameraDowntime, type Downtime } from './camera-downtime';
import { LocalTime } from './local-time';

/** The columns of an alert a report needs. */
export interface ReportRow {
  id: string;
  cameraId: string;
  cameraName: string | null;
  regionId: string | null;
  zoneId: string | null;
  /** The zone's display name in the camera's configuration now, if any. */
  zoneName: string | null;
  rule: RuleType;
  severity: Severity;
  state: AlertState;
  outcome: AlertOutcome | null;
  escalationLevel: number;
  startedAt: number;
  createdAt: number;
  /** The latest acknowledgement (an alert reopened by a drowning is acknowledged anew). */
  acknowledgedAt: number | null;
  /** The first acknowledgement: what "time to acknowledge" measures. */
  firstAcknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  /** The latest alarm (created critical, raised to critical, or critical anew); it reopens an acknowledged alert. */
  alarmedAt: number | null;
  /**
   * A camera_offline alert resolved because the camera came back: when it came back for good — its
   * resolution waits CAMERA_STABLE_SECONDS more. Absent for other alerts and for older resolutions.
   */
  cameraBackAt?: number | null;
}

/** Nearest-rank percentiles of a duration in ms; null when nothing was measured. */
export interface DurationFigures {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
  maxMs: number | null;
}

export interface CountFigures {
  alerts: number;
  critical: number;
  trueAlarms: number;
  falseAlarms: number;
}

export interface AlertReport {
  from: number;
  to: number;
  /** The region subtree asked for; null: everything the caller may see. */
  regionId: string | null;
  timezone: string;
  generatedAt: number;
  totals: CountFigures & {
    byState: Record<AlertState, number>;
    bySeverity: Record<Severity, number>;
    byOutcome: Record<AlertOutcome | 'unresolved', number>;
    /** False alarms among the alerts judged true or false; null when none was judged. */
    falseAlarmRate: number | null;
    /** Alerts that moved up the region tree because nobody acknowledged them in time. */
    escalated: number;
  };
  /** Creation → first acknowledgement (what an operator's reaction time is). */
  acknowledge: DurationFigures & {
    /** Still open at `generatedAt` (nobody has acknowledged them), and how long the oldest has waited. */
    waiting: number;
    oldestWaitingMs: number | null;
  };
  /** Creation → resolution, over the resolved alerts. */
  resolve: DurationFigures;
  byRule: Array<{ rule: RuleType } & CountFigures>;
  /** The alert's own region (where its camera is), most alerts first. */
  byRegion: Array<{ regionId: string | null; regionName: string | null } & CountFigures>;
  /** Cameras with the most alerts first (a camera raising many false alarms needs its zones looked at). */
  byCamera: Array<{ cameraId: string; cameraName: string | null } & CountFigures>;
  /** Alerts by local hour of day of their start, index 0 = 00:00–00:59 in `timezone`. */
  byHour: number[];
  /**
   * Offline time inside the period (camera_offline alerts), longest offline first: outages that began
   * in it, and those that began before it and had not ended at its start.
   */
  downtime: Downtime;
}

export interface ReportContext {
  from: number;
  to: number;
  regionId: string | null;
  timezone: string;
  now: number;
  regionNames: ReadonlyMap<string, string>;
  /** Rows of byCamera kept (the rest are summed nowhere else: the totals already hold them). */
  topCameras: number;
  /** Cameras offline now, by the start of their current outage (camera_status): see cameraDowntime. */
  offlineSince?: ReadonlyMap<string, number>;
  /**
   * camera_offline alerts that began before the period and had not ended at its start, oldest first:
   * their time inside the period counts as downtime; they are not alerts of the period.
   */
  outagesBefore?: readonly ReportRow[];
}

const STATES: AlertState[] = ['open', 'acknowledged', 'dispatched', 'resolved'];
const SEVERITIES: Severity[] = ['info', 'warning', 'major', 'critical'];
const OUTCOMES: Array<AlertOutcome | 'unresolved'> = ['true_alarm', 'false_alarm', 'duplicate', 'recovered', 'unresolved'];

const zeroCounts = (): CountFigures => ({ alerts: 0, critical: 0, trueAlarms: 0, falseAlarms: 0 });
const zeroRecord = <K extends string>(keys: K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

function count(into: CountFigures, row: ReportRow): void {
  into.alerts++;
  if (row.severity === 'critical') into.critical++;
  if (row.outcome === 'true_alarm') into.trueAlarms++;
  if (row.outcome === 'false_alarm') into.falseAlarms++;
}

/** Nearest-rank percentile of sorted values (the value at rank ceil(p·n)). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

function durations(values: number[]): DurationFigures {
  const sorted = values.sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), maxMs: sorted.length ? sorted[sorted.length - 1] : null };
}

/** Most alerts first, then by key so that equal counts keep a stable order. */
function ranked<T extends CountFigures>(entries: Iterable<[string, T]>): T[] {
  return [...entries].sort((a, b) => b[1].alerts - a[1].alerts || (a[0] < b[0] ? -1 : 1)).map(([, v]) => v);
}

export function buildAlertReport(rows: readonly ReportRow[], ctx: ReportContext): AlertReport {
  const totals = zeroCounts();
  const byState = zeroRecord(STATES);
  const bySeverity = zeroRecord(SEVERITIES);
  const byOutcome = zeroRecord(OUTCOMES);
  const byRule = new Map<RuleType, { rule: RuleType } & CountFigures>();
  const byRegion = new Map<string, { regionId: string | null; regionName: string | null } & CountFigures>();
  const byCamera = new Map<string, { cameraId: string; cameraName: string | null } & CountFigures>();
  const byHour = new Array<number>(24).fill(0);
  const local = new LocalTime(ctx.timezone);
  const toAcknowledge: number[] = [];
  const toResolve: number[] = [];
  let escalated = 0;
  let waiting = 0;
  let oldestWaitingMs: number | null = null;

  for (const row of rows) {
    count(totals, row);
    byState[row.state]++;
    bySeverity[row.severity]++;
    byOutcome[row.outcome ?? 'unresolved']++;
    if (row.escalationLevel > 0) escalated++;
    if (row.firstAcknowledgedAt !== null) toAcknowledge.push(Math.max(0, row.firstAcknowledgedAt - row.createdAt));
    if (row.resolvedAt !== null) toResolve.push(Math.max(0, row.resolvedAt - row.createdAt));
    if (row.state === 'open') {
      waiting++;
      // Reopened by an alarm after someone acknowledged it: it has waited since that alarm, not since it was created.
      const waitingSince = row.acknowledgedAt !== null && row.alarmedAt !== null ? Math.max(row.createdAt, row.alarmedAt) : row.createdAt;
      const age = Math.max(0, ctx.now - waitingSince);
      oldestWaitingMs = oldestWaitingMs === null ? age : Math.max(oldestWaitingMs, age);
    }
    let rule = byRule.get(row.rule);
    if (!rule) byRule.set(row.rule, (rule = { rule: row.rule, ...zeroCounts() }));
    count(rule, row);
    const regionKey = row.regionId ?? '';
    let region = byRegion.get(regionKey);
    if (!region) {
      region = { regionId: row.regionId, regionName: row.regionId ? (ctx.regionNames.get(row.regionId) ?? null) : null, ...zeroCounts() };
      byRegion.set(regionKey, region);
    }
    count(region, row);
    let camera = byCamera.get(row.cameraId);
    if (!camera) byCamera.set(row.cameraId, (camera = { cameraId: row.cameraId, cameraName: row.cameraName, ...zeroCounts() }));
    count(camera, row);
    byHour[local.hour(row.startedAt)]++;
  }

  const judged = totals.trueAlarms + totals.falseAlarms;
  return {
    from: ctx.from,
    to: ctx.to,
    regionId: ctx.regionId,
    timezone: ctx.timezone,
    generatedAt: ctx.now,
    totals: { ...totals, byState, bySeverity, byOutcome, falseAlarmRate: judged ? totals.falseAlarms / judged : null, escalated },
    acknowledge: { ...durations(toAcknowledge), waiting, oldestWaitingMs },
    resolve: durations(toResolve),
    byRule: ranked(byRule),
    byRegion: ranked(byRegion),
    byCamera: ranked(byCamera).slice(0, ctx.topCameras),
    byHour,
    downtime: cameraDowntime(ctx.outagesBefore?.length ? [...ctx.outagesBefore, ...rows] : rows, ctx, ctx.topCameras),
  };
}
