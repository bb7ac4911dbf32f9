// vanish_in_water: a confirmed track whose last sighting was inside the water zone — and which did
// not leave it since it entered — is not seen again for `lostSeconds`: possible drowning.
//
// Leaving takes what it takes for zone_enter's membership (DEFAULT_INERTIA sightings outside in a
// row over DEFAULT_INERTIA_SECONDS): one sighting just outside — a box that jitters across the
// waterline, a struggling swimmer's low, cut-off box — before the person is lost is not leaving. A
// box cut by the left or right frame edge is no evidence either way (anchorMeasurable): it keeps the
// candidate and its last place as they were, and restarts only the countdown.
//
// The countdown runs from the track's last sighting, through the tracker's 'lost' state and beyond
// its removal (the tracker's lost buffer may be shorter than lostSeconds), in observed time: of a gap
// between frames (a dropped frame, a reconnecting camera, a Redis failover) at most
// RuleContext.countedMs counts, so a swimmer is not declared drowned because frames did not come —
// a true vanishing during a gap is reported at most that much later. It stops when the track is
// seen again, or when a new track of the same class appears inside the zone close to the last
// sighting (a swimmer who resurfaced after the tracker gave up on them); that track then carries
// the candidacy on (time in the zone, related alert), so a swimmer who bobs up as a new track and
// goes under again is still reported. It is held — not dropped — while a tracked object of the same
// class stands in the zone over the candidate's last box (a part-of-person box beside the whole
// person, see covered()). The alert ends the same ways;
// when neither happens it stays open for the operators and the engine forgets it (candidate and
// alert-book entry, without an event) a while after the track's removal.
import type { Box } from '@xl/contracts';
import type { VanishRule, ZoneConfig } from '@xl/config';
import { pointInPolygon, type Point } from '@xl/geometry';
import type { Track } from '@xl/tracking';
import { subjectKey } from './alert-book';
import type { IgnoreZones } from './ignore-zones';
import { extendRun, type ObservationRun } from './membership';
import { DEFAULT_INERTIA, DEFAULT_INERTIA_SECONDS } from './presence';
import { anchorDistance, anchorMeasurable, anchorOf, mayContinue, partOf, ruleFields, seconds, trusted, watches, zoneText, type RuleContext, type RuleEvaluator } from './rule';

/**
 * How long past lostSeconds a vanish is held while a person of the same class stands over the spot
 * (covered()). A part-of-person box's vanishing beside a whole person who stays put longer than this
 * is reported after all: better a false alarm than a drowning held by something mistaken for a person.
 */
export const MAX_COVER_HOLD_MS = 10_000;

/** A fired alert of a removed track is remembered this long for a resurfacing match, then forgotten. */
const RESURFACE_MEMORY_MS = 60_000;

interface Candidate {
  trackId: number;
  label: string;
  /** First trusted sighting inside the zone of the current stay (or the track's unreported first detection, see stayStart). */
  inZoneSince: number;
  /** Last sighting in the water: inside, just outside before it counted as leaving, or cut by the frame edge (place unknown). */
  lastInsideAt: number;
  /** Observed time since lastInsideAt (see RuleContext.countedMs); absent in states saved before it. */
  unseenMs?: number;
  /** Anchor, box and score of the last sighting in the water whose anchor was measurable. */
  anchor: Point;
  box: Box;
  score: number;
  relatedAlertId?: string;
  removedAt?: number;
  firedAt?: number;
  /** Sightings outside the zone in a row since the last one inside (absent: none). */
  outside?: ObservationRun;
  /** This track took over another's candidacy (resurfaced): it stands for one person, so it takes over no other. */
  heir?: boolean;
}

export class VanishEvaluator implements RuleEvaluator {
  private candidates = new Map<number, Candidate>();

  constructor(
    readonly rule: VanishRule,
    private readonly zone: ZoneConfig,
    private readonly ignoreZones?: IgnoreZones,
  ) {}

  step(ctx: RuleContext): void {
    const { rule } = this;
    const { book, now } = ctx;
    const seen = new Set<number>();
    for (const t of ctx.tracks) {
      if (t.state !== 'tracked' || !watches(rule, t)) continue;
      seen.add(t.trackId);
      book.end(this.key(t.trackId), now, `${t.label} ${t.trackId} is seen again`, rule.cooldownSeconds);
      this.observe(ctx, t);
    }
    for (const t of ctx.removed) {
      const c = this.candidates.get(t.trackId);
      if (c) c.removedAt = now;
    }
    const unseen: Candidate[] = [];
    for (const c of this.candidates.values()) {
      if (seen.has(c.trackId)) continue;
      // Last seen where nothing is seen any more: an ignore zone drawn (around the post this track
      // was) after the candidate began. Its detections are dropped now; that is not a vanishing.
      if (c.firedAt === undefined && this.ignoreZones?.covers(c.box)) {
        this.candidates.delete(c.trackId);
        continue;
      }
      c.unseenMs = (c.unseenMs ?? Math.max(0, now - ctx.countedMs - c.lastInsideAt)) + ctx.countedMs;
      unseen.push(c);
    }
    const heirs = this.resurfaced(ctx, unseen);
    for (const c of unseen) {
      const key = this.key(c.trackId);
      const heir = heirs.get(c.trackId);
      if (heir) {
        book.end(key, now, `${c.label} ${c.trackId} resurfaced as track ${heir.trackId}`, rule.cooldownSeconds);
        this.candidates.delete(c.trackId);
        this.inherit(ctx, c, heir);
      } else if (c.firedAt !== undefined) {
        if (!book.isOpen(key) || (c.removedAt !== undefined && now - Math.max(c.removedAt, c.firedAt) > RESURFACE_MEMORY_MS)) {
          this.candidates.delete(c.trackId);
          // No `ended`: the person was not seen again, the alert stays open for the operators. The
          // book must not carry it on: it travels in the camera's state with every frame, for ever.
          book.forget(key);
        }
      } else if ((c.unseenMs ?? 0) >= rule.lostSeconds * 1000) { // set above
        this.due(ctx, c);
      }
    }
  }

  busy(): boolean {
    return [...this.candidates.values()].some((c) => c.firedAt === undefined);
  }

  toJSON(): Candidate[] {
    return [...this.candidates.values()].map((c) => ({ ...c }));
  }

  load(json: unknown): void {
    this.candidates = new Map((json as Candidate[]).map((c) => [c.trackId, { ...c }]));
  }

  private observe(ctx: RuleContext, t: Track): void {
    let c = this.candidates.get(t.trackId);
    if (!anchorMeasurable(this.rule, t)) {
      // Cut by the left or right frame edge, the box's foot rises as the swimmer drifts out of view:
      // it says nothing about where they are, so it is neither leaving nor a place (zone_enter counts
      // it unknown too). It is a sighting all the same. No candidate starts on it (not trusted).
      if (c) this.sighted(ctx, c, t);
      return;
    }
    const anchor = anchorOf(this.rule, t);
    const inside = pointInPolygon(anchor, this.zone.polygon);
    if (!inside && (!c || this.stepsOut(ctx, c))) {
      this.candidates.delete(t.trackId); // left the zone: whatever happens next is not a vanishing in it
      return;
    }
    if (!c) {
      if (!trusted(this.rule, t)) return;
      c = { trackId: t.trackId, label: t.label, inZoneSince: this.stayStart(ctx, t), lastInsideAt: ctx.now, anchor, box: t.box, score: t.score };
      this.candidates.set(t.trackId, c);
    }
    this.sighted(ctx, c, t);
    c.anchor = anchor;
    c.box = [...t.box];
    c.score = t.score;
    if (inside) delete c.outside;
  }

  /**
   * The candidate's track is seen now: its countdown starts again and an alert it raised (ended by
   * the sighting) can be raised again. Time only; where it is, is the caller's to say.
   */
  private sighted(ctx: RuleContext, c: Candidate, t: Track): void {
    c.lastInsideAt = ctx.now;
    c.unseenMs = 0;
    c.firedAt = undefined;
    c.relatedAlertId = ctx.book.findOpenFor('zone_enter', this.zone.id, t.trackId) ?? c.relatedAlertId;
  }

  /**
   * When the stay in the zone began: now, or — on the track's first report — its first detection if
   * that lay inside too. The tracker reports a track only from its confirmHits-th detection; counted
   * from there, minTrackedSeconds grew by a frame interval (at 2 fps a child seen in the water at 0,
   * 0.5 and 1 s, then under, raised no vanish_in_water).
   */
  private stayStart(ctx: RuleContext, t: Track): number {
    if (t.confirmedAt !== ctx.now || t.firstSeenAt >= ctx.now) return ctx.now;
    const first = { ...t, box: t.firstBox };
    return anchorMeasurable(this.rule, first) && pointInPolygon(anchorOf(this.rule, first), this.zone.polygon) ? t.firstSeenAt : ctx.now;
  }

  /**
   * One more sighting outside; true once the person has left as zone_enter counts it. Until then the
   * sighting counts as one in the water (its time, box and place), as it does for zone_enter.
   */
  private stepsOut(ctx: RuleContext, c: Candidate): boolean {
    // A new object: saved states (toJSON copies candidates shallowly) must not change with it.
    c.outside = { ...(c.outside ?? { run: 0, runStart: ctx.now }) };
    return extendRun(c.outside, ctx.now, DEFAULT_INERTIA, DEFAULT_INERTIA_SECONDS * 1000);
  }

  /**
   * The unseen candidates that resurfaced, with the track each did so as: a new track of a watched
   * class, born after the last sighting, inside the zone and near it. One track stands for one
   * person: pairs are taken nearest first, and a track that already took over a candidacy takes
   * over no other — else one swimmer bobbing up (or renumbered by the tracker) would end the
   * candidacy of another who stays under, and that drowning would never be raised.
   */
  private resurfaced(ctx: RuleContext, unseen: readonly Candidate[]): Map<number, Track> {
    const pairs: { c: Candidate; t: Track; distance: number }[] = [];
    for (const t of ctx.tracks) {
      if (t.state !== 'tracked' || !watches(this.rule, t) || this.candidates.get(t.trackId)?.heir) continue;
      const anchor = anchorOf(this.rule, t);
      if (!pointInPolygon(anchor, this.zone.polygon)) continue;
      for (const c of unseen) {
        if (t.trackId === c.trackId || !mayContinue(this.rule, t, { label: c.label, lastSeenAt: c.lastInsideAt, anchor: c.anchor, box: c.box })) continue;
        pairs.push({ c, t, distance: anchorDistance(anchor, c.anchor) });
      }
    }
    pairs.sort((a, b) => a.distance - b.distance);
    const heirs = new Map<number, Track>();
    const taken = new Set<number>();
    for (const { c, t } of pairs) {
      if (heirs.has(c.trackId) || taken.has(t.trackId)) continue;
      heirs.set(c.trackId, t);
      taken.add(t.trackId);
    }
    return heirs;
  }

  /** The resurfaced swimmer's new track continues the candidacy: their time in the zone and related alert. */
  private inherit(ctx: RuleContext, c: Candidate, heir: Track): void {
    const h = this.candidates.get(heir.trackId);
    if (h) {
      h.inZoneSince = Math.min(h.inZoneSince, c.inZoneSince);
      h.relatedAlertId ??= c.relatedAlertId;
      h.heir = true;
      return;
    }
    // Not a candidate of its own yet (its first sightings untrusted: a struggling swimmer's scores
    // drop), but the same person, inside and tracked now.
    this.candidates.set(heir.trackId, {
      trackId: heir.trackId,
      label: heir.label,
      inZoneSince: c.inZoneSince,
      lastInsideAt: ctx.now,
      unseenMs: 0,
      anchor: anchorOf(this.rule, heir),
      box: [...heir.box],
      score: heir.score,
      relatedAlertId: c.relatedAlertId,
      heir: true,
    });
  }

  private due(ctx: RuleContext, c: Candidate): void {
    const { rule, zone } = this;
    const key = this.key(c.trackId);
    if (c.lastInsideAt - c.inZoneSince < rule.minTrackedSeconds * 1000 || !ctx.scheduled) {
      this.candidates.delete(c.trackId);
      return;
    }
    // Held, not dropped: fires on the first frame the spot is clear, or after MAX_COVER_HOLD_MS anyway —
    // a false person (a post, a reflection) standing over the spot must not hold a drowning for ever.
    if ((c.unseenMs ?? 0) < rule.lostSeconds * 1000 + MAX_COVER_HOLD_MS && this.covered(ctx, c)) return;
    if (ctx.book.coolingDown(key, ctx.now)) return; // still gone when the cooldown is over: fire then
    const created = ctx.book.create(
      {
        ...ruleFields(rule, zone),
        subject: { kind: 'track', trackId: c.trackId },
        startedAt: c.lastInsideAt,
        score: c.score,
        boxes: [{ box: [...c.box], label: c.label, score: c.score, trackId: c.trackId }],
        message: `${c.label} last seen in ${zoneText(zone)} ${seconds(ctx.now - c.lastInsideAt)} ago and not seen leaving: possible drowning`,
        relatedAlertId: c.relatedAlertId,
      },
      ctx.now,
    );
    // Not raised (its key held): tried again next frame rather than taken as fired and never raised.
    if (created) c.firedAt = ctx.now;
  }

  /**
   * A track of the same class, seen now in the zone, whose box holds the candidate's last box (≥
   * PART_SHARE, as the crowd rule counts parts): the candidate was most likely a part of that person
   * (YOLOX keeps a legs-and-torso box beside the whole person, docs/detection.md), who is in plain
   * view. Its disappearance is no drowning while that person stands over the spot. The anchor must be
   * in the zone, as the whole person's is (it shares the part's foot): a bystander on the bank leaning
   * over the spot does not hold the alarm.
   */
  private covered(ctx: RuleContext, c: Candidate): boolean {
    return ctx.tracks.some(
      (t) =>
        // Not trusted(): the tracker keeps a person through frames scoring 0.1–0.3, and one such frame
        // must not end the hold; MAX_COVER_HOLD_MS bounds what a false person can hold.
        t.state === 'tracked' && t.trackId !== c.trackId && t.label === c.label && partOf(c.box, t.box) && pointInPolygon(anchorOf(this.rule, t), this.zone.polygon),
    );
  }

  private key(trackId: number): string {
    return subjectKey(this.rule.id, { kind: 'track', trackId });
  }
}
