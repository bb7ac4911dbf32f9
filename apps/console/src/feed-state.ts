// The live alert feed as pure functions: REST pages and pushed events merge into one map keyed by
// alert id, so an event delivered twice (at-least-once created, a resume overlapping a reload)
// changes nothing, and an older copy never replaces a newer one.
import type { Alert, PushMessage } from './types';

export interface FeedState {
  alerts: Map<string, Alert>;
  /** Highest push seq applied; sent as lastSeq on reconnect. */
  lastSeq: number | null;
  /** Seq of the last camera.status push: screens that show camera states reload when it moves. */
  statusSeq: number | null;
}

export function emptyFeed(lastSeq: number | null = null): FeedState {
  return { alerts: new Map(), lastSeq, statusSeq: null };
}

/** Keeps the newer of two copies of one alert (updatedAt; on a tie the incoming one). */
function newer(current: Alert | undefined, incoming: Alert): boolean {
  return !current || incoming.updatedAt >= current.updatedAt;
}

export function mergeAlerts(state: FeedState, alerts: Alert[]): FeedState {
  const next = new Map(state.alerts);
  for (const a of alerts) if (newer(next.get(a.id), a)) next.set(a.id, a);
  return { ...state, alerts: next };
}

export interface Applied {
  state: FeedState;
  /** An alert this client had not seen before (sound / notification once per alert). */
  fresh?: Alert;
  /** The server asked for a reload by REST. */
  resync?: boolean;
}

/** Applies one push message. Messages at or below lastSeq were applied already and are ignored. */
export function applyMessage(state: FeedState, msg: PushMessage): Applied {
  if (msg.type === 'hello') return { state: state.lastSeq === null ? { ...state, lastSeq: msg.seq } : state };
  if (msg.type === 'resync_required') return { state: { ...state, lastSeq: msg.seq }, resync: true };
  if (msg.type !== 'alert.created' && msg.type !== 'alert.updated' && msg.type !== 'camera.status') return { state };
  if (state.lastSeq !== null && msg.seq <= state.lastSeq) return { state };
  const lastSeq = msg.seq;
  if (msg.type === 'camera.status') return { state: { ...state, lastSeq, statusSeq: msg.seq } };
  const known = state.alerts.has(msg.data.id);
  if (!newer(state.alerts.get(msg.data.id), msg.data)) return { state: { ...state, lastSeq } };
  const alerts = new Map(state.alerts);
  alerts.set(msg.data.id, msg.data);
  return { state: { ...state, alerts, lastSeq }, fresh: known ? undefined : msg.data };
}

/** Newest first (by start time, then id), as the REST list orders them. */
export function newestFirst(alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
}

export function unacknowledgedCount(alerts: Iterable<Alert>): number {
  let n = 0;
  for (const a of alerts) if (a.state === 'open') n++;
  return n;
}

export interface AlertFilter {
  /** Cameras allowed by the region filter (null: any). */
  cameraIds: Set<string> | null;
  camera?: string;
  rule?: string;
  state?: string;
  from?: number;
  to?: number;
}

/** The same filter the REST query applies, for pushed alerts. */
export function matches(alert: Alert, f: AlertFilter): boolean {
  if (f.cameraIds && !f.cameraIds.has(alert.cameraId)) return false;
  if (f.camera && alert.cameraId !== f.camera) return false;
  if (f.rule && !f.rule.split(',').includes(alert.rule)) return false;
  if (f.state && !f.state.split(',').includes(alert.state)) return false;
  if (f.from !== undefined && alert.startedAt < f.from) return false;
  if (f.to !== undefined && alert.startedAt >= f.to) return false;
  return true;
}

/**
 * What the alarm sounds for: a critical alert at one `alarmedAt`. The same alert sounds again when the
 * API raises it again (a swimmer seen again went under once more), never for other news.
 */
export function alarmKey(alert: Alert): string | null {
  return alert.severity === 'critical' ? warningKey(alert) : null;
}

/** How recent an alarm of an alert this screen did not know must be to ring on an update. */
export const RAISED_RECENTLY_MS = 120_000;

/**
 * Whether an update raises an alarm: it is critical, not resolved, and its alarm is new — another
 * `alarmedAt` (or severity) than the copy this screen had, or, for an alert it never had, one raised
 * in the last two minutes. A note, a "seen" or an acknowledgement of a critical alert is not news.
 */
export function raisedNow(before: Alert | undefined, incoming: Alert, now: number): boolean {
  if (alarmKey(incoming) === null || incoming.state === 'resolved') return false;
  if (before) return alarmKey(before) !== alarmKey(incoming);
  return now - (incoming.alarmedAt ?? incoming.startedAt) < RAISED_RECENTLY_MS;
}

/** One warning to confirm: the alert at one `alarmedAt` (raised again, it is a new one). */
export function warningKey(alert: Pick<Alert, 'id' | 'alarmedAt'>): string {
  return `${alert.id}@${alert.alarmedAt ?? 0}`;
}

/** A school has seen this warning: someone of it confirmed it since it last called for attention. */
export function seenSinceAlarm(alert: Alert, transitions: readonly { action: string; at: number }[]): boolean {
  return transitions.some((tr) => tr.action === 'seen' && tr.at >= (alert.alarmedAt ?? 0));
}

/** Alerts that fill a school's screen until someone there confirms them. */
export function isDrowningWarning(alert: Alert): boolean {
  return alert.state !== 'resolved' && (alert.severity === 'critical' || alert.rule === 'vanish_in_water');
}

/**
 * Whether an alert may be handled together with others: not closed, and not critical — each
 * drowning warning is opened and judged on its own (the API refuses critical alerts in bulk too).
 */
export function bulkSelectable(alert: Pick<Alert, 'severity' | 'state'>): boolean {
  return alert.severity !== 'critical' && alert.state !== 'resolved';
}
