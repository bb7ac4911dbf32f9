// Camera health rules on the frame-quality metrics: covered/dark lens (mean luma), blurred lens
// (sharpness against the camera's learned baseline), frozen picture (frame difference), moved camera
// (the picture's layout against the camera's learned view, scene-view.ts). Each is a
// Hold with value hysteresis — the picture must clearly recover (a margin past the threshold), for
// min(seconds, 2 s) and two frames in a row, before the alert ends.
import type { BlurredRule, CoveredRule, FrozenRule, MovedRule } from '@xl/config';
import { subjectKey } from './alert-book';
import { Hold, type HoldJSON, type Verdict } from './hold';
import { endIfUnscheduled, raise, ruleFields, seconds, type RuleContext, type RuleEvaluator } from './rule';
import type { SharpnessBaseline } from './baseline';
import type { ViewReading } from './scene-view';
import type { FrameQualitySample } from './types';

/** Luma levels above maxLuma at which a covered/dark picture counts as recovered. */
export const LUMA_RECOVERY_MARGIN = 8;
/** Sharpness must climb back to this multiple of maxSharpnessRatio × baseline to count as recovered. */
export const SHARPNESS_RECOVERY_FACTOR = 1.3;
/** Difference must exceed this multiple of maxDifference to count as a moving picture again. */
export const DIFFERENCE_RECOVERY_FACTOR = 2;
/** A frozen-picture streak keeps the camera hot once it has lasted this long (or half its time). */
export const FROZEN_HOT_AFTER_MS = 3000;
/** Longest time a recovered picture must last before a health alert ends. */
export const HEALTH_END_MAX_MS = 2000;

type HealthRule = CoveredRule | BlurredRule | FrozenRule | MovedRule;

/** Shared by the health rules of one camera within a frame. */
export interface HealthFrame {
  baseline: SharpnessBaseline;
  /** Dark by camera_covered's own luma threshold: sharpness says little about the lens at night, so the blur check waits. */
  dark: boolean;
  /**
   * camera_covered applies: it finds this frame covered by its own thresholds, or its alert is being
   * timed or is open. Frozen, moved and blurred leave the picture to it then, and only then: a dark
   * night scene that covered does not report (luma just above maxLuma, a little detail) is theirs.
   */
  covered: boolean;
  /**
   * Dim and nearly without detail (within camera_covered's recovery margins): the view learns
   * nothing from such frames, so camera_moved does not judge them against it either — a dusk picture
   * compared with a view learned by day would read as a turned camera every evening.
   */
  featureless: boolean;
  /** The frame against the camera's learned view. */
  view: ViewReading;
}

/** camera_covered's bad verdict: dark and without detail (dark alone is a night scene). */
export function looksCovered(rule: CoveredRule, q: FrameQualitySample): boolean {
  return q.meanLuma <= rule.maxLuma && q.sharpness <= rule.maxSharpness;
}

/** A moved camera's view counts as back once its similarity regains at least this much of the way from minSimilarity to 1. */
export const VIEW_RECOVERY_FRACTION = 0.5;

/** Sharpness above this multiple of maxSharpness counts as a picture with detail again. */
export const SHARPNESS_DETAIL_FACTOR = 2;

export class HealthEvaluator implements RuleEvaluator {
  private readonly hold: Hold;
  /** Verdict of the latest frame (the baseline learns only from frames no health rule finds bad). */
  lastVerdict: Verdict = 'unknown';
  private lastSampleAt = -Infinity;

  constructor(
    readonly rule: HealthRule,
    private readonly frame: () => HealthFrame,
  ) {
    this.hold = new Hold(rule.seconds * 1000, Math.min(rule.seconds * 1000, HEALTH_END_MAX_MS));
  }

  step(ctx: RuleContext): void {
    const { rule } = this;
    const { book, now } = ctx;
    const key = subjectKey(rule.id, { kind: 'camera' });
    // The frames ingest sampled but did not forward: the frozen check takes their differences first.
    if (rule.type === 'camera_frozen' && !this.frame().covered) {
      for (const d of ctx.earlierDifferences) {
        if (this.hold.sample(d.at, this.frozenVerdict(d.difference), ctx.gapCapMs) === 'end') {
          book.end(key, d.at, `picture recovered: frame difference ${d.difference.toFixed(2)}`, rule.cooldownSeconds);
        }
      }
    }
    if (ctx.quality) {
      this.lastSampleAt = now;
      const { verdict, detail } = this.judge(ctx.quality);
      this.lastVerdict = verdict;
      const change = this.hold.sample(now, verdict, ctx.gapCapMs);
      if (change === 'end') book.end(key, now, `picture recovered: ${detail}`, rule.cooldownSeconds);
      if (this.hold.active && !book.isOpen(key)) {
        const since = this.hold.since ?? now;
        raise(ctx, {
          ...ruleFields(rule),
          subject: { kind: 'camera' },
          startedAt: since,
          score: 1,
          boxes: [],
          message: `${describe(rule)} for ${seconds(now - since)}: ${detail}`,
        });
      }
    }
    endIfUnscheduled(ctx, rule);
  }

  /**
   * Active, or timing a bad streak that needs every frame. A frozen-picture streak counts only once it
   * has lasted half its time (at most 3 s): a quiet live scene at low bitrate has short runs of
   * repeated frames, and each would otherwise make the camera hot, defeating the motion gate.
   */
  busy(): boolean {
    if (this.rule.type !== 'camera_frozen' || this.hold.active) return this.hold.busy;
    const since = this.hold.since;
    return since !== null && this.lastSampleAt - since >= Math.min((this.rule.seconds * 1000) / 2, FROZEN_HOT_AFTER_MS);
  }

  get active(): boolean {
    return this.hold.active;
  }

  toJSON(): HoldJSON {
    return this.hold.toJSON();
  }

  load(json: unknown): void {
    this.hold.load(json as HoldJSON);
  }

  private frozenVerdict(difference: number): Verdict {
    const maxDifference = (this.rule as FrozenRule).maxDifference;
    return difference <= maxDifference ? 'bad' : difference > maxDifference * DIFFERENCE_RECOVERY_FACTOR ? 'good' : 'neutral';
  }

  private judge(q: FrameQualitySample): { verdict: Verdict; detail: string } {
    const rule = this.rule;
    switch (rule.type) {
      case 'camera_covered': {
        const bad = looksCovered(rule, q);
        const good = q.meanLuma > rule.maxLuma + LUMA_RECOVERY_MARGIN || q.sharpness > rule.maxSharpness * SHARPNESS_DETAIL_FACTOR;
        const verdict = bad ? 'bad' : good ? 'good' : 'neutral';
        return {
          verdict,
          detail: `mean luma ${q.meanLuma.toFixed(1)}, sharpness ${q.sharpness.toFixed(2)} (covered at luma ≤ ${rule.maxLuma} and sharpness ≤ ${rule.maxSharpness})`,
        };
      }
      case 'camera_blurred': {
        const { baseline, dark, covered } = this.frame();
        const base = baseline.value;
        if (base === null) return { verdict: 'unknown', detail: 'no sharpness baseline yet' };
        if (dark || covered) return { verdict: 'unknown', detail: 'picture dark or covered' };
        const limit = rule.maxSharpnessRatio * base;
        const recovered = Math.min(base, limit * SHARPNESS_RECOVERY_FACTOR);
        const verdict = q.sharpness < limit ? 'bad' : q.sharpness >= recovered ? 'good' : 'neutral';
        return { verdict, detail: `sharpness ${q.sharpness.toFixed(2)} vs baseline ${base.toFixed(2)} (blurred below ${limit.toFixed(2)})` };
      }
      case 'camera_moved': {
        const { view, covered, featureless } = this.frame();
        // A covered lens has no layout worth comparing: camera_covered reports it.
        if (covered || featureless) return { verdict: 'unknown', detail: covered ? 'picture covered' : 'picture too dim and featureless to compare' };
        if (view.similarity === null) return { verdict: 'unknown', detail: view.learning ? 'learning the view' : 'no picture layout' };
        const r = view.similarity;
        const recovered = rule.minSimilarity + (1 - rule.minSimilarity) * VIEW_RECOVERY_FRACTION;
        const verdict = r < rule.minSimilarity ? 'bad' : r >= recovered ? 'good' : 'neutral';
        return { verdict, detail: `the picture's layout correlates ${r.toFixed(2)} with the learned view (changed below ${rule.minSimilarity})` };
      }
      case 'camera_frozen': {
        if (q.difference === null) return { verdict: 'unknown', detail: 'no previous frame' };
        // A covered lens shows an unchanging dark picture too: that is camera_covered's to report.
        if (this.frame().covered) return { verdict: 'unknown', detail: 'picture covered' };
        return { verdict: this.frozenVerdict(q.difference), detail: `frame difference ${q.difference.toFixed(2)} (frozen at ≤ ${rule.maxDifference})` };
      }
    }
  }
}

function describe(rule: HealthRule): string {
  switch (rule.type) {
    case 'camera_covered':
      return 'camera covered or dark';
    case 'camera_blurred':
      return 'camera picture blurred';
    case 'camera_frozen':
      return 'camera picture frozen';
    case 'camera_moved':
      return 'camera view changed (turned, tilted or knocked away: check that its zones still lie where they were drawn)';
  }
}

export function isHealthRule(rule: { type: string }): rule is HealthRule {
  return rule.type === 'camera_covered' || rule.type === 'camera_blurred' || rule.type === 'camera_frozen' || rule.type === 'camera_moved';
}
