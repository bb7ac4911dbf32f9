// zone_enter and dwell: an object of the rule's classes counts as inside the zone (membership with
// inertia); zone_enter fires at once, dwell once it has stayed `seconds`. The alert lasts while the
// object stays inside and ends when it leaves, when its track is removed, or when the schedule ends.
//
// A track lost while inside with its alert open (a wave, someone in front, frames that did not come)
// may come back as a new track: a new track of the same class that appears near its last sighting —
// while it is still lost, or up to CONTINUE_MEMORY_MS after its removal — relates its alert to the
// earlier one (`relatedAlertId`), which the API merges into the alert the operators already have
// instead of raising a second one for the same person.
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

interface PresenceJSON {
  members: MembershipJSON;
  predecessors: Predecessor[];
}

/** Inertia of rules without `inertia` parameters (dwell): zone_enter's defaults. */
export const DEFAULT_INERTIA = 2;
export const DEFAULT_INERTIA_SECONDS = 0.4;

export class PresenceEvaluator implements RuleEvaluator {
  private readonly membership: ZoneMembership;
  private predecessors: Predecessor[] = [];

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
      const before = book.isOpen(key) ? undefined : this.predecessorOf(ctx, t);
      raise(ctx, {
        ...ruleFields(rule, zone),
        subject: { kind: 'track', trackId: t.trackId },
        startedAt: since,
        score: t.score,
        boxes: [alertBoxOf(t)],
        message: before ? `${message} again (track ${before.trackId} lost ${seconds(t.firstSeenAt - before.lastSeenAt)} before, seen again as track ${t.trackId})` : message,
        ...(before ? { relatedAlertId: before.alertId } : {}),
      });
      if (before && book.isOpen(key)) this.predecessors = this.predecessors.filter((p) => p !== before);
    }
    endIfUnscheduled(ctx, rule);
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
    return { members: this.membership.toJSON(), predecessors: this.predecessors.map((p) => ({ ...p })) };
  }

  load(json: unknown): void {
    // States saved before predecessors existed hold the membership alone.
    const state: PresenceJSON = Array.isArray(json) ? { members: json as MembershipJSON, predecessors: [] } : (json as PresenceJSON);
    this.membership.load(state.members);
    this.predecessors = state.predecessors.map((p) => ({ ...p }));
  }

  private key(trackId: number): string {
    return subjectKey(this.rule.id, { kind: 'track', trackId });
  }
}
