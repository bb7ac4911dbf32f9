// The open alerts of one camera and the cooldowns after them. One alert per key — `ruleId#track:N`,
// `ruleId#zone:Z` or `ruleId#camera` — while its condition lasts; later news becomes `updated`
// (throttled), the end becomes `ended` and starts the rule's cooldown for that key. The book travels
// in the camera's state with every frame, so it is bounded: a rule forgets an alert it will never
// speak of again (forget), and beyond MAX_OPEN_ALERTS the oldest are dropped (reported by drainDropped).
import type { AlertBox, RuleType, Severity } from '@xl/contracts';
import { alertIdOf } from './alert-id';
import type { RuleEvent } from './types';

/** An `updated` event needs a score gain of at least this much, or a larger `level` (crowd count). */
const UPDATE_MIN_SCORE_GAIN = 0.1;
/** At most one `updated` event per alert within this time. */
const UPDATE_MIN_INTERVAL_MS = 2000;
/**
 * Open alerts kept per camera (~0.35 KB each in the state saved per frame). Three per person in a
 * water zone (enter, dwell, vanish) leave room for 80 people at once; past it something is wrong.
 */
export const MAX_OPEN_ALERTS = 256;
/**
 * Ends of track alerts kept past their cooldown (PastAlert.untilRemoved), at most; the earliest ended
 * go first. A safety net (~0.1 KB each): a track outliving its alert needs one per rule — 80 people in
 * the water through a break in the schedule, with enter and dwell, 160.
 */
export const MAX_KEPT_TRACK_ENDS = MAX_OPEN_ALERTS;

/** An open alert dropped from a full book (no event was sent: its condition was not seen to end). */
export interface DroppedAlert {
  alertId: string;
  ruleId: string;
  key: string;
}

export type AlertSubject = { kind: 'track'; trackId: number } | { kind: 'zone'; zoneId: string } | { kind: 'camera' };

export function subjectKey(ruleId: string, subject: AlertSubject): string {
  switch (subject.kind) {
    case 'track':
      return `${ruleId}#track:${subject.trackId}`;
    case 'zone':
      return `${ruleId}#zone:${subject.zoneId}`;
    case 'camera':
      return `${ruleId}#camera`;
  }
}

/** What a rule knows when it opens an alert. */
export interface AlertSpec {
  ruleId: string;
  rule: RuleType;
  severity: Severity;
  subject: AlertSubject;
  zoneId?: string;
  lineId?: string;
  startedAt: number;
  score: number;
  boxes: AlertBox[];
  message: string;
  relatedAlertId?: string;
  /** A count that makes an update worth sending when it grows (people in a crowd). */
  level?: number;
}

/** What changes in an open alert from frame to frame. */
export interface AlertNews {
  score: number;
  boxes: AlertBox[];
  message: string;
  level?: number;
}

interface OpenAlert {
  key: string;
  alertId: string;
  ruleId: string;
  rule: RuleType;
  severity: Severity;
  trackId?: number;
  zoneId?: string;
  lineId?: string;
  startedAt: number;
  relatedAlertId?: string;
  /** Latest news, sent or not (the `ended` event carries it). */
  score: number;
  boxes: AlertBox[];
  level: number;
  /** What the last emitted event said. */
  sentScore: number;
  sentLevel: number;
  sentAt: number;
}

interface PastAlert {
  /** Epoch ms the last alert of the key ended. */
  endedAt: number;
  /** No new alert of the key before this. */
  coolUntil: number;
  trackId?: number;
  /** Id of the alert that ended (a crowd raised again soon after names it); absent in states saved before it. */
  alertId?: string;
  /**
   * Kept past the cooldown until the track's removal (absent: forgotten with the cooldown, as in states
   * saved before it). A zone_enter or dwell alert ended by the schedule is raised again with the same
   * `since` when the next window opens; this entry moves that start, and so the id, past the earlier one.
   */
  untilRemoved?: boolean;
}

export interface AlertBookJSON {
  open: OpenAlert[];
  past: Array<[string, PastAlert]>;
}

export class AlertBook {
  private open = new Map<string, OpenAlert>();
  private past = new Map<string, PastAlert>();
  private events: RuleEvent[] = [];
  private dropped: DroppedAlert[] = [];

  constructor(private readonly cameraId: string) {}

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  coolingDown(key: string, now: number): boolean {
    const p = this.past.get(key);
    return p !== undefined && now < p.coolUntil;
  }

  /** Opens an alert unless the key is open or cooling down; returns whether it did. */
  create(spec: AlertSpec, now: number): boolean {
    const key = subjectKey(spec.ruleId, spec.subject);
    if (this.open.has(key) || this.coolingDown(key, now)) return false;
    // A key that fires again (after its cooldown) must not reuse an earlier start, or the id would repeat.
    const prev = this.past.get(key);
    this.openAlert(key, spec, prev ? Math.max(spec.startedAt, prev.endedAt + 1) : spec.startedAt, now);
    return true;
  }

  /**
   * A condition that comes about again while its alert is open (a further tripwire crossing): ends that
   * alert (no cooldown) and opens spec's in its place, naming the ended one in `relatedAlertId`.
   * alerts-api merges it into that alert while unresolved and opens a new one once it is resolved;
   * an `updated` of a resolved alert is dropped there. Opens as `create` does when the key is not open.
   * Returns whether an alert was opened (not when spec starts no later than the open one: same id).
   */
  succeed(spec: AlertSpec, now: number, endMessage: string): boolean {
    const key = subjectKey(spec.ruleId, spec.subject);
    const a = this.open.get(key);
    if (!a) return this.create(spec, now);
    if (spec.startedAt <= a.startedAt) return false;
    this.end(key, now, endMessage, 0);
    // Later than the ended alert's start, which is later than every earlier start of the key: a new id.
    this.openAlert(key, { ...spec, relatedAlertId: a.alertId }, spec.startedAt, now);
    return true;
  }

  /** Start of the open alert of `key`, if any. */
  openSince(key: string): number | undefined {
    return this.open.get(key)?.startedAt;
  }

  /** Id of the last alert of `key` and when it ended, if one ended (zone and camera keys keep it; states saved before it lack the id). */
  lastEnded(key: string): { alertId?: string; endedAt: number } | undefined {
    const p = this.past.get(key);
    return p && { alertId: p.alertId, endedAt: p.endedAt };
  }

  private openAlert(key: string, spec: AlertSpec, startedAt: number, now: number): void {
    const subjectText = key.slice(spec.ruleId.length + 1);
    const alert: OpenAlert = {
      key,
      alertId: alertIdOf(this.cameraId, spec.ruleId, subjectText, startedAt),
      ruleId: spec.ruleId,
      rule: spec.rule,
      severity: spec.severity,
      trackId: spec.subject.kind === 'track' ? spec.subject.trackId : undefined,
      zoneId: spec.zoneId,
      lineId: spec.lineId,
      startedAt,
      relatedAlertId: spec.relatedAlertId,
      score: spec.score,
      boxes: spec.boxes,
      level: spec.level ?? 0,
      sentScore: spec.score,
      sentLevel: spec.level ?? 0,
      sentAt: now,
    };
    this.open.set(key, alert);
    this.emit(alert, 'created', now, spec.message);
    for (const oldest of this.open.values()) {
      if (this.open.size <= MAX_OPEN_ALERTS) break;
      this.open.delete(oldest.key); // insertion order: the earliest created
      this.dropped.push({ alertId: oldest.alertId, ruleId: oldest.ruleId, key: oldest.key });
    }
  }

  /** Records news of an open alert and sends `updated` when it matters; no-op for a key not open. */
  update(key: string, news: AlertNews, now: number): void {
    const a = this.open.get(key);
    if (!a) return;
    a.score = news.score;
    a.boxes = news.boxes;
    a.level = news.level ?? a.level;
    const better = a.level > a.sentLevel || a.score >= a.sentScore + UPDATE_MIN_SCORE_GAIN;
    const due = now - a.sentAt >= UPDATE_MIN_INTERVAL_MS;
    if (better && due) {
      a.sentScore = Math.max(a.sentScore, a.score);
      a.sentLevel = Math.max(a.sentLevel, a.level);
      a.sentAt = now;
      this.emit(a, 'updated', now, news.message);
    }
  }

  /** Ends an open alert and starts the cooldown of its key; no-op for a key not open. */
  end(key: string, now: number, message: string, cooldownSeconds: number): void {
    const a = this.open.get(key);
    if (!a) return;
    this.open.delete(key);
    // Re-inserted: the map stays in end order, which prune() drops the earliest of.
    this.past.delete(key);
    const past: PastAlert = { endedAt: now, coolUntil: now + cooldownSeconds * 1000, trackId: a.trackId, alertId: a.alertId };
    // A vanish_in_water alert mostly ends after its track's removal, which the book will not hear of
    // again; nor would its start come back (a last sighting: the candidate moves on or is dropped).
    if (a.trackId !== undefined && a.rule !== 'vanish_in_water') past.untilRemoved = true;
    this.past.set(key, past);
    this.emit(a, 'ended', now, message);
  }

  /**
   * Drops an open alert without an event: nothing more will be said of it, and its condition was not
   * seen to end (a vanish_in_water alert whose track never came back stays open for the operators).
   * No cooldown: track ids never come back. No-op for a key not open.
   */
  forget(key: string): void {
    this.open.delete(key);
  }

  /** Id of the open alert of `key`, if any. */
  openAlertId(key: string): string | undefined {
    return this.open.get(key)?.alertId;
  }

  /** Keys of the open alerts of a rule. */
  openKeysOf(ruleId: string): string[] {
    return [...this.open.values()].filter((a) => a.ruleId === ruleId).map((a) => a.key);
  }

  /** Id of the open alert of `rule` type about this track in this zone, if any. */
  findOpenFor(rule: RuleType, zoneId: string, trackId: number): string | undefined {
    for (const a of this.open.values()) if (a.rule === rule && a.zoneId === zoneId && a.trackId === trackId) return a.alertId;
    return undefined;
  }

  /**
   * Ends the open alerts of rules that no longer exist or were disabled, of rules whose type changed,
   * and of rules pointed at another zone or line (`rules`: id → type and zone or line): left open, such
   * an alert held its key, and the rule of the new type could never raise its own for that subject; a
   * moved rule's alert about the old zone was never ended at all.
   */
  endOrphans(rules: ReadonlyMap<string, { type: string; zone?: string; line?: string }>, now: number): void {
    for (const a of [...this.open.values()]) {
      const rule = rules.get(a.ruleId);
      if (rule === undefined) this.end(a.key, now, 'rule removed from the camera configuration or disabled', 0);
      else if (rule.type !== a.rule) this.end(a.key, now, `rule changed from ${a.rule} to ${rule.type} in the camera configuration`, 0);
      else if (a.zoneId !== undefined && rule.zone !== a.zoneId) this.end(a.key, now, `rule moved from zone '${a.zoneId}' to '${rule.zone ?? ''}' in the camera configuration`, 0);
      else if (a.lineId !== undefined && rule.line !== a.lineId) this.end(a.key, now, `rule moved from line '${a.lineId}' to '${rule.line ?? ''}' in the camera configuration`, 0);
    }
  }

  /**
   * Forgets the ends of a track the tracker removed (track ids never come back) and cooldowns that are
   * over unless kept until that removal (untilRemoved), keeping the state bounded; of those kept, at
   * most MAX_KEPT_TRACK_ENDS. Zone and camera keys keep their end time so that ids never repeat.
   */
  prune(now: number, removedTrackIds: ReadonlySet<number>): void {
    let kept = 0;
    for (const [key, p] of this.past) {
      if (p.trackId === undefined) continue;
      if (removedTrackIds.has(p.trackId) || (now >= p.coolUntil && !p.untilRemoved)) this.past.delete(key);
      else if (now >= p.coolUntil) kept++;
    }
    for (const [key, p] of this.past) {
      if (kept <= MAX_KEPT_TRACK_ENDS) break;
      if (p.trackId === undefined || now < p.coolUntil) continue; // a cooldown still running is never dropped
      this.past.delete(key);
      kept--;
    }
  }

  /** Alerts dropped from the full book since the last call. */
  drainDropped(): DroppedAlert[] {
    const out = this.dropped;
    this.dropped = [];
    return out;
  }

  /** Events since the last drain, in the order they happened. */
  drain(): RuleEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  toJSON(): AlertBookJSON {
    return { open: [...this.open.values()].map((a) => ({ ...a })), past: [...this.past.entries()].map(([k, p]) => [k, { ...p }]) };
  }

  load(json: AlertBookJSON): void {
    this.open = new Map(json.open.map((a) => [a.key, { ...a }]));
    this.past = new Map(json.past.map(([k, p]) => [k, { ...p }]));
  }

  private emit(a: OpenAlert, kind: RuleEvent['kind'], now: number, message: string): void {
    const event: RuleEvent = {
      kind,
      alertId: a.alertId,
      cameraId: this.cameraId,
      ruleId: a.ruleId,
      rule: a.rule,
      severity: a.severity,
      startedAt: a.startedAt,
      capturedAt: now,
      score: a.score,
      boxes: a.boxes.map((b) => ({ ...b, box: [...b.box] })),
      message,
    };
    if (a.zoneId !== undefined) event.zoneId = a.zoneId;
    if (a.lineId !== undefined) event.lineId = a.lineId;
    if (a.trackId !== undefined) event.trackId = a.trackId;
    if (a.relatedAlertId !== undefined) event.relatedAlertId = a.relatedAlertId;
    this.events.push(event);
  }
}
