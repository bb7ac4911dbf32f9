// line_cross: a directed tripwire. Each trusted sighting of a track takes a side of the line only
// when its anchor lies beyond a dead band around it (max(LINE_BAND_MIN, LINE_BAND_BOX_SHARE × box
// height)); a crossing is a change of that side such that a step since the side was taken (inside
// the band or not) passed through the segment. A foot jittering at the line, someone walking along the fence or leaning on it,
// stays in the band and crosses nothing. Each crossing in the watched direction is an alert of its
// own: a later one ends the track's open crossing alert and opens a new one naming it
// (AlertBook.succeed), so that alerts-api, which drops news of a resolved alert, still shows a
// person who climbs over again after the operator resolved the first crossing. Crossings within
// LINE_RECROSS_MIN_MS of the open alert are folded into it. The alert ends when the track is
// removed (or the schedule ends).
import type { LineConfig, LineCrossRule } from '@xl/config';
import { orientation, segmentsIntersect, type Point } from '@xl/geometry';
import { subjectKey } from './alert-book';
import type { Track } from '@xl/tracking';
import { alertBoxOf, anchorDistance, anchorOf, endIfUnscheduled, endRemoved, lineText, mayContinue, ruleFields, trusted, watches, type RuleContext, type RuleEvaluator } from './rule';

/** Half-width of the dead band around the line at least (normalized frame units): ±2 px of detector jitter at 416 is 0.005. */
export const LINE_BAND_MIN = 0.01;
/** Half-width of the dead band as a share of the box height: a near person's foot jitters more on screen. */
export const LINE_BAND_BOX_SHARE = 0.1;
/** A crossing within this time of the track's open crossing alert is part of it (no new alert, no news). */
export const LINE_RECROSS_MIN_MS = 2000;

/** Per track: its side of the line (last anchor beyond the band), its last anchor, and whether a step since the side was taken passed through the segment. */
interface TrackPath {
  side: Point | null;
  prev: Point;
  through: boolean;
}

/** Saved per track: [trackId, side (or last anchor), last anchor, through 0/1, has a side 0/1]; a release before 2026-12-03 saved [trackId, anchor]. */
type SavedPath = [number, Point, Point?, number?, number?];

export class LineCrossEvaluator implements RuleEvaluator {
  private paths = new Map<number, TrackPath>();
  private readonly length: number;

  constructor(
    readonly rule: LineCrossRule,
    private readonly line: LineConfig,
  ) {
    const [a, b] = line.points;
    this.length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  }

  step(ctx: RuleContext): void {
    const { rule, line } = this;
    const { now, book } = ctx;
    const [a, b] = line.points;
    endRemoved(ctx, rule);
    const present = new Set(ctx.tracks.map((t) => t.trackId));
    for (const id of this.paths.keys()) if (!present.has(id)) this.paths.delete(id);
    for (const t of ctx.tracks) {
      if (t.state !== 'tracked' || !watches(rule, t) || !trusted(rule, t)) continue;
      const next = anchorOf(rule, t);
      let path = this.paths.get(t.trackId);
      if (!path) {
        // A new track may be a person the tracker lost at the line — a fence hides the legs of whoever
        // climbs it — seen again on its far side: it carries on that person's side and last anchor.
        path = this.takeOverLost(ctx, t) ?? { side: null, prev: next, through: false };
        this.paths.set(t.trackId, path);
      }
      // Every step counts for "through the segment", inside the band too: a walk along the fence
      // (in the band) that then steps through the gate took its side far beside the gate, and the
      // straight line from there misses a short gate line (review of 2026-12-03's changes, finding 1).
      if (segmentsIntersect(a, b, path.prev, next)) path.through = true;
      path.prev = next;
      // Within the band the anchor is on neither side: the track keeps the side it had.
      const band = Math.max(LINE_BAND_MIN, LINE_BAND_BOX_SHARE * (t.box[3] - t.box[1]));
      const here = orientation(a, b, next);
      if (Math.abs(here) <= band * this.length) continue;
      const before = path.side && orientation(a, b, path.side);
      const crossed = path.through && before !== null && Math.sign(before) !== Math.sign(here);
      path.side = next;
      path.through = false;
      if (!crossed) continue;
      // y points down on screen, so a negative cross product is the walker's left (as lineCrossing).
      const direction = (before as number) < 0 ? 'left_to_right' : 'right_to_left';
      if (rule.direction !== 'both' && rule.direction !== direction) continue;
      const subject = { kind: 'track', trackId: t.trackId } as const;
      const message = `${t.label} crossed ${lineText(line)} ${direction.replace(/_/g, ' ')}`;
      const boxes = [alertBoxOf(t)];
      const since = book.openSince(subjectKey(rule.id, subject));
      if (since !== undefined && now - since < LINE_RECROSS_MIN_MS) {
        book.update(subjectKey(rule.id, subject), { score: t.score, boxes, message }, now);
        continue;
      }
      if (!ctx.scheduled) continue;
      book.succeed({ ...ruleFields(rule), subject, lineId: line.id, startedAt: now, score: t.score, boxes, message }, now, `${t.label} crossed ${lineText(line)} again`);
    }
    endIfUnscheduled(ctx, rule);
  }

  /**
   * The path of the lost track the new track `t` may continue (mayContinue: same class, born after it
   * was last seen, within reach of its last anchor), nearest first; taken away from the lost track so
   * that it is continued once. Undefined when none.
   */
  private takeOverLost(ctx: RuleContext, t: Track): TrackPath | undefined {
    let best: { id: number; path: TrackPath; distance: number } | undefined;
    for (const lost of ctx.tracks) {
      if (lost.state !== 'lost' || !watches(this.rule, lost)) continue;
      const path = this.paths.get(lost.trackId);
      if (!path || !mayContinue(this.rule, t, { label: lost.label, lastSeenAt: lost.lastSeenAt, anchor: path.prev, box: lost.box })) continue;
      const distance = anchorDistance(anchorOf(this.rule, t), path.prev);
      if (!best || distance < best.distance) best = { id: lost.trackId, path, distance };
    }
    if (!best) return undefined;
    this.paths.delete(best.id);
    return { ...best.path };
  }

  busy(): boolean {
    return false;
  }

  /** The first two fields are what a release before 2026-12-03 reads (a Map of track → anchor): a rollback keeps working. */
  toJSON(): SavedPath[] {
    return [...this.paths].map(([id, p]) => [id, p.side ?? p.prev, p.prev, p.through ? 1 : 0, p.side ? 1 : 0]);
  }

  load(json: unknown): void {
    this.paths = new Map(
      (json as SavedPath[]).map(([id, side, prev, through, hasSide]) =>
        // Saved before 2026-12-03: the anchor was the side, taken beyond the band.
        prev === undefined ? [id, { side, prev: side, through: false }] : [id, { side: hasSide ? side : null, prev, through: through === 1 }],
      ),
    );
  }
}
