// A condition with time hysteresis, for the camera-health rules. It becomes active when bad samples
// have lasted `onMs` (one odd sample in between — an encoder refresh on a frozen picture — does not
// restart the count; two in a row do) and inactive again when good samples have lasted `offMs` with at
// least two of them in a row. Samples between the bad and good thresholds ("neutral") hold the status
// — also while a bad streak is being timed: they neither extend nor break it (the streak's start moves
// on by their time, so one bad sample, 6 s of neutral ones and another bad one are not "bad for 6 s"),
// and they do not separate two odd samples. A streak without a bad sample for longer than `onMs` is
// over, whatever came in between (neutral or unknown samples, or no frames at all): a lone bad sample
// long ago says nothing now, and a timed streak keeps the camera hot. Within `onMs` the time up to the
// next known sample goes with that sample's verdict, as between any two samples.
// Measured on the frozen 720p clip at 4 fps: the frame just before the IDR refresh at 18 s differs by
// 0.065 (neutral for maxDifference 0.05) and the refresh itself by 0.67; counted as two odd samples
// they restarted the timing and delayed the alert from 18.5 s to 24.25 s.
// "Unknown" samples are otherwise ignored.

export type Verdict = 'bad' | 'good' | 'neutral' | 'unknown';

export interface HoldJSON {
  active: boolean;
  /** Start of the current bad streak (inactive) or of the active period. */
  since: number | null;
  misses: number;
  goodSince: number | null;
  goodRun: number;
  /** Time of the last sample that was not unknown (absent in states saved before it). */
  lastAt?: number | null;
  /** Time of the last bad sample of the streak being timed (absent in states saved before it). */
  lastBadAt?: number | null;
}

/** Samples against a bad streak that end it. */
const MAX_MISSES = 2;
/** Consecutive good samples needed to end an active condition. */
const MIN_GOOD_RUN = 2;

export class Hold {
  private s: HoldJSON = { active: false, since: null, misses: 0, goodSince: null, goodRun: 0 };

  constructor(
    private readonly onMs: number,
    private readonly offMs: number,
  ) {}

  get active(): boolean {
    return this.s.active;
  }

  /** Start of the bad streak that made (or is making) the condition active. */
  get since(): number | null {
    return this.s.since;
  }

  /** True while a bad streak is being timed or the condition is active. */
  get busy(): boolean {
    return this.s.active || this.s.since !== null;
  }

  /**
   * `stepMs`: the longest step between frames that is still the camera's rhythm (the engine's gap cap):
   * a streak is stale only after longer than both it and `onMs` without a bad sample, so a camera whose
   * frames come further apart than `onMs` (0.4 fps, or an analyzer behind) still times its streaks.
   */
  sample(t: number, verdict: Verdict, stepMs = 0): 'start' | 'end' | null {
    const s = this.s;
    // Before any verdict: after unknown samples or a gap without frames, a bad sample would otherwise
    // carry on a streak of long ago and fire at once. On an unknown sample it changes no outcome (the
    // next known one would forget the streak as well) but stops the stale streak keeping the camera hot.
    if (!s.active && s.since !== null && t - (s.lastBadAt ?? s.since) > Math.max(this.onMs, stepMs)) this.forgetStreak();
    if (verdict === 'unknown') return null;
    const previousAt = s.lastAt ?? t;
    s.lastAt = t;
    if (!s.active) {
      if (verdict === 'bad') {
        if (s.since === null) s.since = t;
        s.misses = 0;
        s.lastBadAt = t;
        if (t - s.since >= this.onMs) {
          s.active = true;
          s.goodSince = null;
          s.goodRun = 0;
          return 'start';
        }
      } else if (verdict === 'neutral' && s.since !== null) {
        s.since += t - previousAt; // paused: the time since the previous sample was not bad
      } else if (verdict === 'good' && s.since !== null && ++s.misses >= MAX_MISSES) {
        this.forgetStreak();
      }
      return null;
    }
    if (verdict !== 'good') {
      s.goodSince = null;
      s.goodRun = 0;
      return null;
    }
    if (s.goodSince === null) s.goodSince = t;
    if (++s.goodRun >= MIN_GOOD_RUN && t - s.goodSince >= this.offMs) {
      this.s = { active: false, since: null, misses: 0, goodSince: null, goodRun: 0, lastAt: t, lastBadAt: null };
      return 'end';
    }
    return null;
  }

  private forgetStreak(): void {
    this.s.since = null;
    this.s.misses = 0;
    this.s.lastBadAt = null;
  }

  toJSON(): HoldJSON {
    return { ...this.s };
  }

  load(json: HoldJSON): void {
    this.s = { ...json };
  }
}
