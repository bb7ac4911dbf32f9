// crowd: at least `minCount` objects of the rule's classes inside the zone for most of `seconds`.
// Counted are the members (no inertia: the window filters flicker) that the tracker matched in this
// frame, and members missed in this frame only (matched in the previous one) — unless a track born
// since then stands within reach of where they were last seen (mayContinue, paired one to one,
// nearest first): in a moving group the tracker often loses a person and starts a new track for
// them, and counting the lost one until its removal (2 s) counted that person twice — the sub stream
// of the crowd clip reached 8 with 5–6 people seen. Counting only matched tracks (until 2026-12-03)
// undercounted a group whose people are each missed now and then at different moments: 8 people,
// each missed in 1 frame of 8, were 7 in every frame. Only one frame: a ghost box that the detector
// makes in one frame of three and its track survives must not count in all of them. Longer misses are
// absorbed by the window: the alert starts when the count has been ≥ minCount for 3/4 of the last
// `seconds` (and is in the current frame) and ends when it has been below for 3/4 of the last min(seconds, 2 s) (see MajorityWindow);
// time beyond the engine's gap cap without frames is not observed time. A crowd raised again within
// CROWD_RELATE_MS of its key's previous end names that alert (relatedAlertId): a crowd that stays,
// briefly below the threshold, is one alert for the operators, not one a minute.
// A box lying mostly inside a better-scoring counted box of the same class is a part of that object,
// not a second one: YOLOX sometimes keeps a legs-and-torso box beside a whole person (IoU 0.43, under
// the NMS threshold), which turned 7 people into 8 in the crowd clip for seconds at a time.
import type { CrowdRule, ZoneConfig } from '@xl/config';
import { subjectKey } from './alert-book';
import type { Track } from '@xl/tracking';
import { MajorityWindow, type MajorityJSON } from './majority';
import { ZoneMembership, type MembershipJSON } from './membership';
import { alertBoxOf, anchorDistance, anchorOf, endIfUnscheduled, mayContinue, PART_SHARE, partOf, raise, ruleFields, sightingOf, watches, zoneText, type RuleContext, type RuleEvaluator } from './rule';

/** Longest window over which a low count ends a crowd alert. */
export const CROWD_END_MAX_MS = 2000;
/** Share of the window the count must hold (or stay low) to start (or end) the alert. */
export const CROWD_WINDOW_SHARE = 0.75;
/** Share of a box inside a better same-class box above which it counts as a part of that object (shared with vanish_in_water). */
export const CROWD_PART_SHARE = PART_SHARE;
/** A crowd raised again within this time of its previous alert's end names that alert. */
export const CROWD_RELATE_MS = 10 * 60_000;

interface CrowdJSON {
  membership: MembershipJSON;
  window: MajorityJSON;
}

export class CrowdEvaluator implements RuleEvaluator {
  private readonly membership = new ZoneMembership(1);
  private readonly window: MajorityWindow;

  constructor(
    readonly rule: CrowdRule,
    private readonly zone: ZoneConfig,
  ) {
    this.window = new MajorityWindow(rule.seconds * 1000, Math.min(rule.seconds * 1000, CROWD_END_MAX_MS), CROWD_WINDOW_SHARE);
  }

  step(ctx: RuleContext): void {
    const { rule, zone } = this;
    const { book, now } = ctx;
    this.membership.retain(new Set(ctx.tracks.map((t) => t.trackId)));
    const members = ctx.tracks.filter((t) => {
      if (!watches(rule, t) || t.state !== 'tracked') return false;
      this.membership.observe(t.trackId, now, sightingOf(rule, t, zone));
      return this.membership.insideSince(t.trackId) !== null;
    });
    members.push(...this.brieflyLost(ctx, members));
    const inside = members.filter(
      (t) => !members.some((o) => o !== t && o.classId === t.classId && o.score > t.score && partOf(t.box, o.box)),
    );
    const count = inside.length;
    const key = subjectKey(rule.id, { kind: 'zone', zoneId: zone.id });
    const change = this.window.sample(now, count >= rule.minCount, ctx.gapCapMs);
    const label = rule.classes.length === 1 ? `${rule.classes[0]}s` : 'objects';
    if (change === 'end') book.end(key, now, `${count} ${label} in ${zoneText(zone)}, below ${rule.minCount}`, rule.cooldownSeconds);
    if (this.window.active && count > 0) {
      const previous = book.isOpen(key) ? undefined : book.lastEnded(key);
      const related = previous?.alertId !== undefined && now - previous.endedAt <= CROWD_RELATE_MS ? { relatedAlertId: previous.alertId } : {};
      raise(ctx, {
        ...related,
        ...ruleFields(rule, zone),
        subject: { kind: 'zone', zoneId: zone.id },
        startedAt: this.window.since ?? now,
        score: inside.reduce((s, t) => s + t.score, 0) / count,
        boxes: inside.map(alertBoxOf),
        message: `${count} ${label} in ${zoneText(zone)} (threshold ${rule.minCount})`,
        level: count,
      });
    }
    endIfUnscheduled(ctx, rule);
  }

  busy(): boolean {
    return this.window.busy;
  }

  /**
   * Members missed in this frame only — matched in the previous one, within the camera's rhythm (after
   * a gap beyond the engine's cap, countedMs ends short of the previous frame) — less those a matched
   * member born since may continue (the same person under a new id: paired one to one, nearest first).
   */
  private brieflyLost(ctx: RuleContext, matched: readonly Track[]): Track[] {
    const { rule } = this;
    if (ctx.countedMs <= 0) return [];
    const lost = ctx.tracks.filter(
      (t) => t.state === 'lost' && watches(rule, t) && ctx.now - t.lastSeenAt <= ctx.countedMs && this.membership.insideSince(t.trackId) !== null,
    );
    if (!lost.length) return lost;
    const pairs: Array<{ l: Track; m: Track; d: number }> = [];
    for (const l of lost) {
      const last = { label: l.label, lastSeenAt: l.lastSeenAt, anchor: anchorOf(rule, l), box: l.box };
      for (const m of matched) if (mayContinue(rule, m, last)) pairs.push({ l, m, d: anchorDistance(anchorOf(rule, m), last.anchor) });
    }
    pairs.sort((a, b) => a.d - b.d);
    const continued = new Set<Track>();
    const taken = new Set<Track>();
    for (const { l, m } of pairs) {
      if (continued.has(l) || taken.has(m)) continue;
      continued.add(l);
      taken.add(m);
    }
    return lost.filter((l) => !continued.has(l));
  }

  toJSON(): CrowdJSON {
    return { membership: this.membership.toJSON(), window: this.window.toJSON() };
  }

  load(json: unknown): void {
    const j = json as CrowdJSON;
    this.membership.load(j.membership);
    // A state saved before the window replaced the streak hold (`hold`) starts the timing afresh.
    if (j.window) this.window.load(j.window);
  }
}
