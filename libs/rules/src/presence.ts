// zone_enter and dwell: an object of the rule's classes counts as inside the zone (membership with
// inertia); zone_enter fires at once, dwell once it has stayed `seconds`. The alert lasts while the
// object stays inside and ends when it leaves, when its track is removed, or when the schedule ends.
//
// A track lost while inside with its alert open (a wave, someone in front, frames that did not come)
// may come back as a new track: a new track of the same class that appears near its last sighting —
// while it is still lost, or up to CONTINUE_MEMORY_MS after its removal — relates its alert to the
// earlier one (`relatedAlertId`), which the API merges into the alert the operators already have
// instead of raising a second one for the same person.
//
// Repeated entries: a new alert of the rule raised within `repeatMergeSeconds` after the rule's last
// alert was raised or ended names that alert too, so a reflection, a heron or a floating object that
// keeps coming back (each time a new track, past CONTINUE_MEMORY_MS) is one alert for the operators,
// updated each time, not one per return — the per-key cooldown cannot hold that, track ids never
// come back. vanish_in_water has nothing of the kind: a drowning is never merged away.
import type { DwellRule, ZoneConfig, ZoneEnterRule } from '@xl/config';
import type { Point } from '@xl/geometry';
import type { Track } from '@xl/tracking';
import { subjectKey } from './alert-book';
import { ZoneMembership, type MembershipJSON } from './membership';
import { alertBoxOf, anchorDistance, anchorOf, endIfUnscheduled, endRemoved, mayContinue, raise, ruleFields, seconds, sightingOf, watches, zoneText, type RuleContext, type RuleEvaluator } from './rule';

/**
 * How long after its removal a track's alert can be continued by a new track: covers a tracker loss
 * or a few seconds without frames, not someone else walking in later.
 */
export const CONTINUE_MEMORY_MS = 10_000;

/** A removed track that was inside with an alert open: a new track near it continues that alert. */
interface Predecessor {
  trackId: number;
  alertId: string;
  label: string;
  lastSeenAt: number;
  anchor: Point;
  box: number[];
  removedAt: number;
}

/** The rule's most recent alert and when it was raised or ended (epoch ms), whichever was later. */
interface LastAlert {
  alertId: string;
  at: number;
}

interface PresenceJSON {
  members: MembershipJSON;
  predecessors: Predecessor[];
  /** Absent in states saved before repeated entries were merged, and before the rule's first alert. */
  lastAlert?: LastAlert;
}

/** Inertia of rules without `inertia` parameters (dwell): zone_enter's defaults. */
export const DEFAULT_INERTIA = 2;
export const DEFAULT_INERTIA_SECONDS = 0.4;

export class PresenceEvaluator implements RuleEvaluator {
  private readonly membership: ZoneMembership;
  private predecessors: Predecessor[] = [];
  private lastAlert: LastAlert | undefined;

  constructor(
    readonly rule: ZoneEnterRule | DwellRule,
    private readonly zone: ZoneConfig,
  ) {
    this.membership =
      rule.type === 'zone_enter'
        ? new ZoneMembership(rule.inertia, rule.inertiaSeconds * 1000)
        : new ZoneMembership(DEFAULT_INERTIA, DEFAULT_INERTIA_SECONDS * 1000);
  }

  step(ctx: RuleContext): void {
    const { rule, zone } = this;
    const { book, now } = ctx;
    const openBefore = new Map(book.openKeysOf(rule.id).map((key) => [key, book.openAlertId(key)]));
    // While a possible drowning in this zone is open, nothing is merged into what came before it: a
    // rescuer or a second child entering gets an alert of their own, and the drowning alert (which
    // took over its entry's alert at the API) keeps its message. Afterwards the memory starts afresh.
    const drowning = book.hasOpenIn('vanish_in_water', zone.id);
    this.rememberRemoved(ctx);
    endRemoved(ctx, rule);
    this.membership.retain(new Set(ctx.tracks.map((t) => t.trackId)));
    for (const t of ctx.tracks) {
      if (!watches(rule, t)) continue;
      const key = this.key(t.trackId);
      if (t.state === 'tracked' && this.membership.observe(t.trackId, now, sightingOf(rule, t, zone)) === 'left') {
        book.end(key, now, `${t.label} left ${zoneText(zone)}`, rule.cooldownSeconds);
        continue;
      }
      const since = this.membership.insideSince(t.trackId);
      if (since === null || t.state !== 'tracked') continue;
      const stayed = now - since;
      if (rule.type === 'dwell' && stayed < rule.seconds * 1000) continue;
      const message =
        rule.type === 'zone_enter'
          ? `${t.label} in ${zoneText(zone)}`
          : `${t.label} in ${zoneText(zone)} for ${seconds(stayed)} (limit ${rule.seconds} s)`;
      const wasOpen = book.isOpen(key);
      const before = wasOpen ? undefined : this.predecessorOf(ctx, t);
      const repeated = wasOpen || before || drowning ? undefined : this.recentAlert(now);
      raise(ctx, {
        ...ruleFields(rule, zone),
        subject: { kind: 'track', trackId: t.trackId },
        startedAt: since,
        score: t.score,
        boxes: [alertBoxOf(t)],
        message: before
          ? `${message} again (track ${before.trackId} lost ${seconds(t.firstSeenAt - before.lastSeenAt)} before, seen again as track ${t.trackId})`
          : repeated
            ? `${message} again (track ${t.trackId}, ${seconds(now - repeated.at)} after the last alert of this rule)`
            : message,
        ...(before ? { relatedAlertId: before.alertId } : repeated ? { relatedAlertId: repeated.alertId } : {}),
      });
      const opened = wasOpen ? undefined : book.openAlertId(key);
      if (opened === undefined) continue;
      if (before) this.predecessors = this.predecessors.filter((p) => p !== before);
      this.lastAlert = { alertId: opened, at: now };
    }
    endIfUnscheduled(ctx, rule);
    // Ended in this frame (left, removed, schedule closed): the end is the alert's latest moment.
    // Remembered unless an alert of the rule was raised in this same frame (the newer one is named).
    for (const [key, alertId] of openBefore) {
      if (alertId !== undefined && book.openAlertId(key) !== alertId && this.lastAlert?.at !== now) this.lastAlert = { alertId, at: now };
    }
    if (drowning) this.lastAlert = undefined;
  }

  /** The rule's last alert, when a new one would come within repeatMergeSeconds of it (0: never). */
  private recentAlert(now: number): LastAlert | undefined {
    const last = this.lastAlert;
    const windowMs = this.rule.repeatMergeSeconds * 1000;
    return last && windowMs > 0 && now - last.at <= windowMs ? last : undefined;
  }

  /** Tracks removed in this frame while inside with an alert open; forgets those too old to continue. */
  private rememberRemoved(ctx: RuleContext): void {
    this.predecessors = this.predecessors.filter((p) => ctx.now - p.removedAt <= CONTINUE_MEMORY_MS);
    for (const t of ctx.removed) {
      const alertId = ctx.book.openAlertId(this.key(t.trackId));
      if (!alertId || this.membership.insideSince(t.trackId) === null || !watches(this.rule, t)) continue;
      this.predecessors.push({ trackId: t.trackId, alertId, label: t.label, lastSeenAt: t.lastSeenAt, anchor: anchorOf(this.rule, t), box: [...t.box], removedAt: ctx.now });
    }
  }

  /**
   * The nearest lost or removed track with an alert open that `t` may continue (the most recently
   * seen of equally near ones): B back where B was hidden is B, not A who was lost after B.
   */
  private predecessorOf(ctx: RuleContext, t: Track): Omit<Predecessor, 'removedAt'> | undefined {
    const at = anchorOf(this.rule, t);
    let best: Omit<Predecessor, 'removedAt'> | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    const consider = (p: Omit<Predecessor, 'removedAt'>) => {
      if (!mayContinue(this.rule, t, p)) return;
      const distance = anchorDistance(at, p.anchor);
      if (!best || distance < bestDistance || (distance === bestDistance && p.lastSeenAt > best.lastSeenAt)) {
        best = p;
        bestDistance = distance;
      }
    };
    for (const p of this.predecessors) consider(p);
    for (const lost of ctx.tracks) {
      if (lost.state !== 'lost' || lost.trackId === t.trackId || this.membership.insideSince(lost.trackId) === null) continue;
      const alertId = ctx.book.openAlertId(this.key(lost.trackId));
      if (alertId) consider({ trackId: lost.trackId, alertId, label: lost.label, lastSeenAt: lost.lastSeenAt, anchor: anchorOf(this.rule, lost), box: [...lost.box] });
    }
    return best;
  }

  busy(): boolean {
    // A dwell timer only runs while the object is seen, which keeps the camera busy anyway.
    return false;
  }

  toJSON(): PresenceJSON {
    return { members: this.membership.toJSON(), predecessors: this.predecessors.map((p) => ({ ...p })), ...(this.lastAlert ? { lastAlert: { ...this.lastAlert } } : {}) };
  }

  load(json: unknown): void {
    // States saved before predecessors existed hold the membership alone.
    const state: PresenceJSON = Array.isArray(json) ? { members: json as MembershipJSON, predecessors: [] } : (json as PresenceJSON);
    this.membership.load(state.members);
    this.predecessors = state.predecessors.map((p) => ({ ...p }));
    this.lastAlert = state.lastAlert && { ...state.lastAlert };
  }

  private key(trackId: number): string {
    return subjectKey(this.rule.id, { kind: 'track', trackId });
  }
}
