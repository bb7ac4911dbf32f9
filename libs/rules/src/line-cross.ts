// line_cross: a directed tripwire. The anchor's movement between two consecutive trusted sightings
// of a track is tested against the line (lineCrossing); a crossing in the watched direction opens
// one alert per track, further crossings of the same track update it, and the alert ends when the
// track is removed (or the schedule ends). Sightings exactly on the line are skipped.
import type { LineConfig, LineCrossRule } from '@xl/config';
import { lineCrossing, orientation, type Point } from '@xl/geometry';
import { alertBoxOf, anchorOf, endIfUnscheduled, endRemoved, lineText, raise, ruleFields, trusted, watches, type RuleContext, type RuleEvaluator } from './rule';

export class LineCrossEvaluator implements RuleEvaluator {
  /** Last trusted anchor per track. */
  private last = new Map<number, Point>();

  constructor(
    readonly rule: LineCrossRule,
    private readonly line: LineConfig,
  ) {}

  step(ctx: RuleContext): void {
    const { rule, line } = this;
    const { now } = ctx;
    endRemoved(ctx, rule);
    const present = new Set(ctx.tracks.map((t) => t.trackId));
    for (const id of this.last.keys()) if (!present.has(id)) this.last.delete(id);
    for (const t of ctx.tracks) {
      if (t.state !== 'tracked' || !watches(rule, t) || !trusted(rule, t)) continue;
      const next = anchorOf(rule, t);
      // A point exactly on the line is on neither side: keep the last one that was, or the step onto
      // the line and the step off it would both look like "no crossing".
      if (orientation(line.points[0], line.points[1], next) === 0) continue;
      const prev = this.last.get(t.trackId);
      this.last.set(t.trackId, next);
      if (!prev) continue;
      const direction = lineCrossing(line.points[0], line.points[1], prev, next);
      if (!direction || (rule.direction !== 'both' && rule.direction !== direction)) continue;
      const spec = {
        ...ruleFields(rule),
        subject: { kind: 'track', trackId: t.trackId } as const,
        lineId: line.id,
        startedAt: now,
        score: t.score,
        boxes: [alertBoxOf(t)],
        message: `${t.label} crossed ${lineText(line)} ${direction.replace(/_/g, ' ')}`,
      };
      raise(ctx, spec, true); // every further crossing is news
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
