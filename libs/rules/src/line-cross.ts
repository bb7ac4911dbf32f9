// line_cross: a directed tripwire. Each trusted sighting of a track takes a side of the line only
// when its anchor lies beyond a dead band around it (max(LINE_BAND_MIN, LINE_BAND_BOX_SHARE × box
// height)); a crossing is a change of that side along a step that passes through the segment
// (lineCrossing). A foot jittering at the line, someone walking along the fence or leaning on it,
// stays in the band and crosses nothing. Each crossing in the watched direction is an alert of its
// own: a later one ends the track's open crossing alert and opens a new one naming it
// (AlertBook.succeed), so that alerts-api, which drops news of a resolved alert, still shows a
// person who climbs over again after the operator resolved the first crossing. Crossings within
// LINE_RECROSS_MIN_MS of the open alert are folded into it. The alert ends when the track is
// removed (or the schedule ends).
import type { LineConfig, LineCrossRule } from '@xl/config';
import { lineCrossing, orientation, type Point } from '@xl/geometry';
import { subjectKey } from './alert-book';
import { alertBoxOf, anchorOf, endIfUnscheduled, endRemoved, lineText, ruleFields, trusted, watches, type RuleContext, type RuleEvaluator } from './rule';

/** Half-width of the dead band around the line at least (normalized frame units): ±2 px of detector jitter at 416 is 0.005. */
export const LINE_BAND_MIN = 0.01;
/** Half-width of the dead band as a share of the box height: a near person's foot jitters more on screen. */
export const LINE_BAND_BOX_SHARE = 0.1;
/** A crossing within this time of the track's open crossing alert is part of it (no new alert, no news). */
export const LINE_RECROSS_MIN_MS = 2000;

export class LineCrossEvaluator implements RuleEvaluator {
  /** Per track, its last anchor beyond the dead band: its side of the line. */
  private last = new Map<number, Point>();
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
    for (const id of this.last.keys()) if (!present.has(id)) this.last.delete(id);
    for (const t of ctx.tracks) {
      if (t.state !== 'tracked' || !watches(rule, t) || !trusted(rule, t)) continue;
      const next = anchorOf(rule, t);
      // Within the band the anchor is on neither side: the track keeps the side it had.
      const band = Math.max(LINE_BAND_MIN, LINE_BAND_BOX_SHARE * (t.box[3] - t.box[1]));
      if (Math.abs(orientation(a, b, next)) <= band * this.length) continue;
      const prev = this.last.get(t.trackId);
      this.last.set(t.trackId, next);
      if (!prev) continue;
      const direction = lineCrossing(a, b, prev, next);
      if (!direction || (rule.direction !== 'both' && rule.direction !== direction)) continue;
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

  busy(): boolean {
    return false;
  }

  toJSON(): Array<[number, Point]> {
    return [...this.last];
  }

  load(json: unknown): void {
    this.last = new Map(json as Array<[number, Point]>);
  }
}
