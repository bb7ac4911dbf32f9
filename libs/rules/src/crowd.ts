// crowd: at least `minCount` objects of the rule's classes inside the zone for `seconds`. Membership
// has no inertia here (the hold time already filters flicker); lost tracks still count until the
// tracker removes them, so a person hidden in the group for a moment is not dropped from the count.
// The alert ends when the count has stayed below minCount for min(seconds, 2 s) (see Hold).
import type { CrowdRule, ZoneConfig } from '@xl/config';
import { subjectKey } from './alert-book';
import { Hold, type HoldJSON } from './hold';
import { ZoneMembership, type MembershipJSON } from './membership';
import { alertBoxOf, endIfUnscheduled, raise, ruleFields, sightingOf, watches, zoneText, type RuleContext, type RuleEvaluator } from './rule';

/** Longest time the count must stay low before a crowd alert ends. */
export const CROWD_END_MAX_MS = 2000;

interface CrowdJSON {
  membership: MembershipJSON;
  hold: HoldJSON;
}

export class CrowdEvaluator implements RuleEvaluator {
  private readonly membership = new ZoneMembership(1);
  private readonly hold: Hold;

  constructor(
    readonly rule: CrowdRule,
    private readonly zone: ZoneConfig,
  ) {
    this.hold = new Hold(rule.seconds * 1000, Math.min(rule.seconds * 1000, CROWD_END_MAX_MS));
  }

  step(ctx: RuleContext): void {
    const { rule, zone } = this;
    const { book, now } = ctx;
    this.membership.retain(new Set(ctx.tracks.map((t) => t.trackId)));
    const inside = ctx.tracks.filter((t) => {
      if (!watches(rule, t)) return false;
      if (t.state === 'tracked') this.membership.observe(t.trackId, now, sightingOf(rule, t, zone));
      return this.membership.insideSince(t.trackId) !== null;
    });
    const count = inside.length;
    const key = subjectKey(rule.id, { kind: 'zone', zoneId: zone.id });
    const change = this.hold.sample(now, count >= rule.minCount ? 'bad' : 'good');
    const label = rule.classes.length === 1 ? `${rule.classes[0]}s` : 'objects';
    if (change === 'end') book.end(key, now, `${count} ${label} in ${zoneText(zone)}, below ${rule.minCount}`, rule.cooldownSeconds);
    if (this.hold.active && count > 0) {
      raise(ctx, {
        ...ruleFields(rule, zone),
        subject: { kind: 'zone', zoneId: zone.id },
        startedAt: this.hold.since ?? now,
        score: inside.reduce((s, t) => s + t.score, 0) / count,
        boxes: inside.map(alertBoxOf),
        message: `${count} ${label} in ${zoneText(zone)} (threshold ${rule.minCount})`,
        level: count,
      });
    }
    endIfUnscheduled(ctx, rule);
  }

  busy(): boolean {
    return this.hold.busy;
  }

  toJSON(): CrowdJSON {
    return { membership: this.membership.toJSON(), hold: this.hold.toJSON() };
  }

  load(json: unknown): void {
    const j = json as CrowdJSON;
    this.membership.load(j.membership);
    this.hold.load(j.hold);
  }
}
