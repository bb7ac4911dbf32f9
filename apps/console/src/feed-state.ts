// The live alert feed as pure functions: REST pages and pushed events merge into one map keyed by
// alert id, so an event delivered twice (at-least-once created, a resume overlapping a reload)
// changes nothing, and an older copy never replaces a newer one.
import type { Alert, PushedAlert, PushMessage } from './types';

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

/** Stores an alert last in the map's order, which is thus arrival order (trimFeed keeps the latest). */
function put(alerts: Map<string, Alert>, alert: Alert): void {
  alerts.delete(alert.id);
  alerts.set(alert.id, alert);
}

export function mergeAlerts(state: FeedState, alerts: Alert[]): FeedState {
  const next = new Map(state.alerts);
  for (const a of alerts) if (newer(next.get(a.id), a)) put(next, a);
  return { ...state, alerts: next };
}

/**
 * Unresolved alerts of the map that a REST reload did not bring back. It reads only the newest pages,
 * so after a resync (events lost in a gap) any of these may have been acknowledged or resolved since:
 * the feed asks for each by id rather than keep counting it as waiting.
 */
export function unresolvedNotLoaded(state: FeedState, loaded: Iterable<Alert>): Alert[] {
  const returned = new Set<string>();
  for (const a of loaded) returned.add(a.id);
  return [...state.alerts.values()].filter((a) => a.state !== 'resolved' && !returned.has(a.id));
}

/**
 * Removes alerts the API no longer shows this user (asked by id: 404 — deleted, or out of scope now),
 * each only while the map still holds the very copy that was asked about: a push since stays.
 */
export function dropAlerts(state: FeedState, gone: Iterable<Alert>): FeedState {
  let alerts: Map<string, Alert> | null = null;
  for (const a of gone) {
    if (state.alerts.get(a.id) !== a) continue;
    alerts ??= new Map(state.alerts);
    alerts.delete(a.id);
  }
  return alerts ? { ...state, alerts } : state;
}

export interface Applied {
  /** The same object as before when the message changed nothing (a pong, an error, a replayed seq). */
  state: FeedState;
  /** The pushed alert, when it was stored (not a replayed seq, not an older copy). */
  stored?: PushedAlert;
  /**
   * Load by REST now: the server asked (resync_required), or this is the first hello of a connection
   * without lastSeq — its live events start there, and the REST read may have come before an alert
   * that was pushed before the socket was registered.
   */
  reload?: boolean;
}

/** Applies one push message. Messages at or below lastSeq were applied already and are ignored. */
export function applyMessage(state: FeedState, msg: PushMessage): Applied {
  if (msg.type === 'hello') return state.lastSeq === null ? { state: { ...state, lastSeq: msg.seq }, reload: true } : { state };
  if (msg.type === 'resync_required') return { state: { ...state, lastSeq: msg.seq }, reload: true };
  if (msg.type !== 'alert.created' && msg.type !== 'alert.updated' && msg.type !== 'camera.status') return { state };
  if (state.lastSeq !== null && msg.seq <= state.lastSeq) return { state };
  const lastSeq = msg.seq;
  if (msg.type === 'camera.status') return { state: { ...state, lastSeq, statusSeq: msg.seq } };
  if (!newer(state.alerts.get(msg.data.id), msg.data)) return { state: { ...state, lastSeq } };
  const alerts = new Map(state.alerts);
  put(alerts, msg.data);
  return { state: { ...state, alerts, lastSeq }, stored: msg.data };
}

/** Resolved alerts are kept for a day, and beyond that only the latest this many to arrive. */
export const KEEP_RESOLVED = 1000;
export const KEEP_RESOLVED_MS = 24 * 3_600_000;

/**
 * Bounds the map of a screen left open for days: drops resolved alerts older than a day (updatedAt)
 * beyond the KEEP_RESOLVED that arrived last, so a filter's REST page of last week survives until it
 * is pushed out. Unresolved alerts are always kept: they are what operators work on.
 */
export function trimFeed(state: FeedState, now: number): FeedState {
  if (state.alerts.size <= KEEP_RESOLVED) return state;
  const resolved = [...state.alerts.values()].filter((a) => a.state === 'resolved');
  // Map order is arrival order: the first ones arrived longest ago.
  const drop = resolved.slice(0, Math.max(0, resolved.length - KEEP_RESOLVED)).filter((a) => now - a.updatedAt > KEEP_RESOLVED_MS);
  if (drop.length === 0) return state;
  const alerts = new Map(state.alerts);
  for (const a of drop) alerts.delete(a.id);
  return { ...state, alerts };
}

/** Wait before the next try of a failed REST load: 1 s, doubling to 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(failures, 5));
}

/** Newest first (by start time, then id), as the REST list orders them. */
export function newestFirst(alerts: Iterable<Alert>): Alert[] {
  return [...alerts].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
}

/** A critical alert nobody has acknowledged yet: a possible drowning waiting for someone to act. */
export function unansweredCritical(alert: Pick<Alert, 'severity' | 'state'>): boolean {
  return alert.severity === 'critical' && alert.state === 'open';
}

/**
 * The operators' list: unanswered critical alerts pinned on top, then the rest, each part newest
 * first — in a storm (a power cut's hundreds of camera_offline alerts) the drowning that waits must
 * be the first row, not the last.
 */
export function operatorsOrder(alerts: Iterable<Alert>): Alert[] {
  const sorted = newestFirst(alerts);
  return [...sorted.filter(unansweredCritical), ...sorted.filter((a) => !unansweredCritical(a))];
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

/**
 * Whether a push rings the alarm. The server says so (`alarm`: the alert opened critical, or the
 * update that raised its alarm) — whether or not this screen had the alert; without the flag (an older
 * server) raisedNow() judges. Never for a resolved alert, nor for a message the feed did not store (a
 * replayed seq, an older copy). `before`: the feed's copy before the message. The caller's set of
 * alarmKeys already rung for stays the one de-duplication.
 */
export function shouldRing(before: Alert | undefined, msg: PushMessage, applied: Applied, now: number): boolean {
  if (msg.type !== 'alert.created' && msg.type !== 'alert.updated') return false;
  const alert = msg.data;
  if (applied.stored !== alert || alarmKey(alert) === null || alert.state === 'resolved') return false;
  return alert.alarm ?? raisedNow(before, alert, now);
}

/**
 * How long a pushed alarm waits before it rings (RING_SETTLE_MS), and whether it still rings then,
 * judged on the feed's copy at that time: a resume replays old events in order, so an alarm raised
 * during an outage arrives just before its acknowledgement or resolution. Rings when the alert is
 * still at that alarm and unresolved, and either nobody has claimed it (an unanswered drowning rings
 * however old) or it was raised recently.
 */
export const RING_SETTLE_MS = 300;
export function stillRings(pushed: Alert, current: Alert | undefined, now: number): boolean {
  if (!current || current.state === 'resolved' || alarmKey(current) !== alarmKey(pushed)) return false;
  return current.state === 'open' || now - (current.alarmedAt ?? current.startedAt) < RAISED_RECENTLY_MS;
}

/**
 * Alerts REST data brought (a load, a filter's page, a transition's answer) that call for attention,
 * judged as a push is (stillRings) on the copy the feed now holds: critical, unresolved, and either
 * unanswered however old or raised within RAISED_RECENTLY_MS; not rung for yet (`notified`:
 * alarmKeys). An alarm whose push this screen missed (a resync, the sign-in, a reload) or whose push a
 * newer REST copy made a no-op would otherwise sit in the list in silence.
 */
export function alarmsAfterLoad(state: FeedState, loaded: Iterable<Alert>, notified: ReadonlySet<string>, now: number): Alert[] {
  const due = new Map<string, Alert>();
  for (const { id } of loaded) {
    const alert = state.alerts.get(id);
    const key = alert ? alarmKey(alert) : null;
    if (alert && key !== null && !notified.has(key) && stillRings(alert, alert, now)) due.set(key, alert);
  }
  return [...due.values()];
}

/**
 * Escalations REST data brought that call for attention: the feed's copy is open and rests, escalated,
 * with one of the user's regions (escalatedTo), at a level not rung for yet (`notified`:
 * escalationKeys) — one made during a resync gap or before a reload has no push to ring for it.
 */
export function escalationsAfterLoad(state: FeedState, loaded: Iterable<Alert>, notified: ReadonlySet<string>, regionIds: readonly string[]): Alert[] {
  const due = new Map<string, Alert>();
  for (const { id } of loaded) {
    const alert = state.alerts.get(id);
    if (alert && !notified.has(escalationKey(alert)) && escalatedTo(undefined, alert, regionIds)) due.set(alert.id, alert);
  }
  return [...due.values()];
}

/**
 * Whether this update hands the alert to the user: it climbed a level (nobody below acknowledged it
 * within its SLA) and now rests with one of the user's regions (`regionIds`). The parent centre has
 * to notice — that is what escalation is for — so the screen rings once per (alert, level)
 * (escalationKey) and marks the row. Only while it is still open: claimed or closed, nobody is owed.
 */
export function escalatedTo(before: Alert | undefined, alert: Alert, regionIds: readonly string[]): boolean {
  if (alert.state !== 'open' || alert.escalationLevel === 0 || alert.responsibleRegionId === null) return false;
  if (before && before.escalationLevel >= alert.escalationLevel) return false;
  return regionIds.includes(alert.responsibleRegionId);
}

/**
 * Whether a pushed escalation still rings RING_SETTLE_MS later, judged on the feed's copy then (as
 * stillRings for alarms): a resume replays an escalation made during an outage just before the
 * acknowledgement that followed it. Only while that copy is still open and still at the pushed level.
 */
export function escalationStillRings(pushed: Alert, current: Alert | undefined): boolean {
  return current !== undefined && current.state === 'open' && current.escalationLevel === pushed.escalationLevel;
}

/**
 * Whether an escalation a burst's notification counts is still waiting for this user: open, resting
 * with one of the user's regions (`regionIds`), and not critical — a critical one has a notification
 * of its own. `alert`: the feed's copy now (none: gone from the user's view).
 */
export function escalationStillOwed(alert: Alert | undefined, regionIds: readonly string[]): alert is Alert {
  return alert !== undefined && alert.severity !== 'critical' && escalatedTo(undefined, alert, regionIds);
}

/** One escalation to ring for: the alert at one level. */
export function escalationKey(alert: Pick<Alert, 'id' | 'escalationLevel'>): string {
  return `${alert.id}^${alert.escalationLevel}`;
}

/** The alert a key of alarmKey or escalationKey is of (its suffix after the last `@` or `^` is a number). */
function alertOfKey(key: string): string {
  return key.slice(0, Math.max(key.lastIndexOf('@'), key.lastIndexOf('^')));
}

/**
 * Forgets the rings (alarmKeys, escalationKeys) of alerts the feed no longer holds — resolved ones
 * trimmed after a day (trimFeed), those gone from the user's view — so that the set of a console open
 * for weeks stays the size of its list. Every key of an alert still held is kept: nothing on screen
 * rings twice. One that comes back (into the user's scope again) is judged anew, as at a sign-in.
 */
export function forgetRingsOfAlertsGone(notified: Set<string>, alerts: ReadonlyMap<string, Alert>): void {
  for (const key of notified) if (!alerts.has(alertOfKey(key))) notified.delete(key);
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
