// zone_enter and dwell: an object of the rule's classes counts as inside the zone (membership with
// inertia); zone_enter fires at once, dwell once it has stayed `seconds`. The alert lasts while the
// object stays inside and ends when it leaves, when its track is removed, or when the schedule ends.
import type { DwellRule, ZoneConfig, ZoneEnterRule } from '@xl/config';
import { subjectKey } from './alert-book';
import { ZoneMembership, type MembershipJSON } from './membership';
import { alertBoxOf, endIfUnscheduled, endRemoved, raise, ruleFields, seconds, sightingOf, watches, zoneText, type RuleContext, type RuleEvaluator } from './rule';

/** Inertia of rules without `inertia` parameters (dwell): zone_enter's defaults. */
export const DEFAULT_INERTIA = 2;
export const DEFAULT_INERTIA_SECONDS = 0.4;

export class PresenceEvaluator implements RuleEvaluator {
  private readonly membership: ZoneMembership;

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
      raise(ctx, {
        ...ruleFields(rule, zone),
        subject: { kind: 'track', trackId: t.trackId },
        startedAt: since,
        score: t.score,
        boxes: [alertBoxOf(t)],
        message,
      });
    }
    endIfUnscheduled(ctx, rule);
  }

  busy(): boolean {
    // A dwell timer only runs while the object is seen, which keeps the camera busy anyway.
    return false;
  }

  toJSON(): MembershipJSON {
    return this.membership.toJSON();
  }

  load(json: unknown): void {
    this.membership.load(json as MembershipJSON);
  }

  private key(trackId: number): string {
    return subjectKey(this.rule.id, { kind: 'track', trackId });
  }
}
