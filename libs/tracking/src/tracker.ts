// ByteTrack-style multi-object tracker for one camera (Zhang et al., "ByteTrack", ECCV 2022):
// Kalman-predicted boxes are associated with detections by IoU in stages — tracked tracks × high-score
// detections, then lost tracks × the high detections left (a cascade, as DeepSORT's: a track being
// seen has first pick), then the still-unmatched tracked tracks × low-score detections (a partly
// hidden person keeps its track), then tentative tracks × the remaining high detections — with an
// optimal (Hungarian) matcher. Differences from the paper: time is real (update(dets, tMs)), so the
// lost buffer is seconds rather than frames; association is class-aware, and a label may have a high
// score of its own (highScoreByLabel: a rule's lower minScore); a track's reported box is
// its last detection (rules test zone membership on it), the Kalman box is only used to associate;
// only observed time ages a lost track (a gap between frames counts at most maxCountedGapSeconds).
import type { Box, Detection } from '@xl/contracts';
import { iou } from '@xl/geometry';
import { FORBIDDEN, solveAssignment } from './hungarian';
import { kalmanBox, kalmanInit, kalmanPredict, kalmanUpdate, STATE_DIM } from './kalman';
import {
  DEFAULT_TRACKER_OPTIONS,
  type TentativeTrack,
  type Track,
  type TrackerOptions,
  type TrackerStateJSON,
  type TrackerUpdate,
  type TrackJSON,
} from './types';

interface InternalTrack {
  id: number;
  classId: number;
  label: string;
  status: 'tentative' | 'tracked' | 'lost';
  mean: Float64Array;
  cov: Float64Array;
  stateAt: number;
  box: Box;
  score: number;
  firstSeenAt: number;
  firstBox: Box;
  /** Null while tentative. */
  confirmedAt: number | null;
  lastSeenAt: number;
  hits: number;
  /** Time without a match since lastSeenAt, counting at most maxCountedGapSeconds of each step. */
  unseenMs: number;
}

function checkOptions(o: TrackerOptions): TrackerOptions {
  const unit = ['highScore', 'lowScore', 'newTrackScore', 'matchIou', 'lowMatchIou', 'tentativeMatchIou'] as const;
  for (const key of unit) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`tracker option ${key} = ${o[key]} must be in 0..1`);
  }
  if (o.lowScore > o.highScore) throw new RangeError(`tracker option lowScore ${o.lowScore} exceeds highScore ${o.highScore}`);
  for (const [label, score] of Object.entries(o.highScoreByLabel)) {
    if (!(score >= o.lowScore && score <= 1)) {
      throw new RangeError(`tracker option highScoreByLabel['${label}'] = ${score} must be in lowScore ${o.lowScore}..1`);
    }
  }
  if (!(Number.isInteger(o.confirmHits) && o.confirmHits >= 1 && o.confirmHits <= 30)) {
    throw new RangeError(`tracker option confirmHits = ${o.confirmHits} must be an integer in 1..30`);
  }
  if (!(o.lostBufferSeconds >= 0 && o.lostBufferSeconds <= 600)) {
    throw new RangeError(`tracker option lostBufferSeconds = ${o.lostBufferSeconds} must be in 0..600`);
  }
  if (!(o.maxCountedGapSeconds >= 0.1 && o.maxCountedGapSeconds <= 600)) {
    throw new RangeError(`tracker option maxCountedGapSeconds = ${o.maxCountedGapSeconds} must be in 0.1..600`);
  }
  return o;
}

function validBox(b: Box): boolean {
  return b.every(Number.isFinite) && b[2] > b[0] && b[3] > b[1];
}

export class ByteTracker {
  readonly options: Readonly<TrackerOptions>;
  private tracks: InternalTrack[] = [];
  private nextId = 1;
  private lastUpdateAt: number | null = null;

  /** highScoreByLabel as a Map: looked up once per detection. */
  private readonly labelHighScore: ReadonlyMap<string, number>;

  constructor(options: Partial<TrackerOptions> = {}) {
    const merged = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    this.options = Object.freeze(checkOptions({ ...merged, highScoreByLabel: Object.freeze({ ...(merged.highScoreByLabel ?? {}) }) }));
    this.labelHighScore = new Map(Object.entries(this.options.highScoreByLabel));
  }

  /**
   * Associates the detections of the frame captured at `tMs` (epoch ms, never earlier than the
   * previous update) and reports the confirmed tracks and those removed by this update.
   */
  update(detections: readonly Detection[], tMs: number): TrackerUpdate {
    if (!Number.isFinite(tMs)) throw new RangeError(`tracker: frame time ${tMs} is not a number`);
    if (this.lastUpdateAt !== null && tMs < this.lastUpdateAt) {
      throw new RangeError(`tracker: frame at ${tMs} is older than the previous one at ${this.lastUpdateAt}`);
    }
    const o = this.options;
    const countedMs = this.lastUpdateAt === null ? 0 : Math.min(tMs - this.lastUpdateAt, o.maxCountedGapSeconds * 1000);
    this.lastUpdateAt = tMs;
    const dets = detections.filter((d) => d.score >= o.lowScore && validBox(d.box));
    const high: number[] = [];
    const low: number[] = [];
    dets.forEach((d, i) => (d.score >= (this.labelHighScore.get(d.label) ?? o.highScore) ? high : low).push(i));

    for (const t of this.tracks) {
      this.predict(t, tMs);
      t.unseenMs += countedMs; // back to 0 when matched below
    }
    const predicted = new Map<InternalTrack, Box>(this.tracks.map((t) => [t, kalmanBox(t.mean)]));

    // Stage 1a: tracks seen in the previous frame × high-score detections. Stage 1b: lost tracks × the
    // high detections left. In one solve a lost track's frozen box could win a detection from the
    // person actually standing there — someone crouching where a swimmer just went under took the
    // swimmer's track, which then "left the water", and no vanish_in_water was raised.
    const tracked = this.tracks.filter((t) => t.status === 'tracked');
    const lost = this.tracks.filter((t) => t.status === 'lost');
    const [unmatchedTracked, afterTracked] = this.associate(tracked, high, dets, predicted, o.matchIou, tMs);
    const [, restHigh] = this.associate(lost, afterTracked, dets, predicted, o.matchIou, tMs);
    // Stage 2: tracks that were tracked until now × low-score detections. Lost tracks are not
    // revived by low scores: a low-score box near a lost track is as likely background.
    const [stillUnmatched] = this.associate(unmatchedTracked, low, dets, predicted, o.lowMatchIou, tMs);
    for (const t of stillUnmatched) t.status = 'lost';
    // Stage 3: tentative tracks × remaining high detections; an unmatched tentative track dies.
    const tentative = this.tracks.filter((t) => t.status === 'tentative');
    const [deadTentative, newHigh] = this.associate(tentative, restHigh, dets, predicted, o.tentativeMatchIou, tMs);
    const dead = new Set<InternalTrack>(deadTentative);
    for (const t of tentative) {
      if (dead.has(t) || t.hits < o.confirmHits) continue;
      t.status = 'tracked';
      t.confirmedAt = tMs;
    }

    for (const j of newHigh) {
      const d = dets[j];
      if (d.score >= (this.labelHighScore.get(d.label) ?? o.newTrackScore)) this.tracks.push(this.create(d, tMs));
    }

    const removed: Track[] = [];
    const bufferMs = o.lostBufferSeconds * 1000;
    this.tracks = this.tracks.filter((t) => {
      if (dead.has(t)) return false;
      if (t.status === 'lost' && t.unseenMs > bufferMs) {
        removed.push(toTrack(t));
        return false;
      }
      return true;
    });
    const tracks = this.tracks.filter((t) => t.status !== 'tentative').map(toTrack);
    return { tracks, removed };
  }

  /** Number of tracks held, tentative included (for metrics). */
  get size(): number {
    return this.tracks.length;
  }

  /**
   * The tentative tracks after the last update: each matched or born in it (an unmatched one dies),
   * not reported in `tracks` until confirmed. The analyzer keeps a camera hot for them: confirming
   * needs the next analysed frame, which without motion is a heartbeat (5–300 s) away.
   */
  tentativeTracks(): TentativeTrack[] {
    const out: TentativeTrack[] = [];
    for (const t of this.tracks) {
      if (t.status !== 'tentative') continue;
      out.push({ trackId: t.id, box: [...t.box], score: t.score, classId: t.classId, label: t.label, firstSeenAt: t.firstSeenAt, hits: t.hits });
    }
    return out;
  }

  toJSON(): TrackerStateJSON {
    return {
      version: 1,
      options: { ...this.options, highScoreByLabel: { ...this.options.highScoreByLabel } },
      nextId: this.nextId,
      lastUpdateAt: this.lastUpdateAt,
      tracks: this.tracks.map(
        (t): TrackJSON => ({
          id: t.id,
          classId: t.classId,
          label: t.label,
          status: t.status,
          mean: Array.from(t.mean),
          cov: Array.from(t.cov),
          stateAt: t.stateAt,
          box: [...t.box],
          score: t.score,
          firstSeenAt: t.firstSeenAt,
          firstBox: [...t.firstBox],
          confirmedAt: t.confirmedAt,
          lastSeenAt: t.lastSeenAt,
          hits: t.hits,
          unseenMs: t.unseenMs,
        }),
      ),
    };
  }

  /** Restores a tracker saved with toJSON (after JSON round trips); `options` override the saved ones. */
  static fromJSON(state: TrackerStateJSON, options: Partial<TrackerOptions> = {}): ByteTracker {
    if (!state || state.version !== 1) throw new Error(`tracker state: unsupported version ${String(state?.version)}`);
    const tracker = new ByteTracker({ ...state.options, ...options });
    tracker.nextId = state.nextId;
    tracker.lastUpdateAt = state.lastUpdateAt;
    tracker.tracks = state.tracks.map((t) => {
      if (t.mean.length !== STATE_DIM || t.cov.length !== STATE_DIM * STATE_DIM) {
        throw new Error(`tracker state: track ${t.id} has a malformed Kalman state`);
      }
      return {
        ...t,
        // States saved before unseenMs existed counted all time since the last sighting.
        unseenMs: t.unseenMs ?? (state.lastUpdateAt === null ? 0 : state.lastUpdateAt - t.lastSeenAt),
        box: [...t.box] as Box,
        firstBox: [...(t.firstBox ?? t.box)] as Box,
        confirmedAt: t.confirmedAt !== undefined ? t.confirmedAt : t.status === 'tentative' ? null : t.firstSeenAt,
        mean: Float64Array.from(t.mean),
        cov: Float64Array.from(t.cov),
      };
    });
    return tracker;
  }

  private predict(t: InternalTrack, tMs: number): void {
    // A track that is not being seen keeps moving but stops growing or shrinking (as ByteTrack).
    if (t.status !== 'tracked') {
      t.mean[6] = 0;
      t.mean[7] = 0;
    }
    // Only observed time moves it (as only observed time ages it): over a long gap without frames the
    // velocity, mostly detection jitter for someone standing still, would carry the box off them.
    kalmanPredict(t.mean, t.cov, Math.min(tMs - t.stateAt, this.options.maxCountedGapSeconds * 1000) / 1000);
    t.stateAt = tMs;
  }

  /** Matches tracks with the detections `candidates`; returns the unmatched tracks and detections. */
  private associate(
    tracks: InternalTrack[],
    candidates: number[],
    dets: Detection[],
    predicted: Map<InternalTrack, Box>,
    minIou: number,
    tMs: number,
  ): [InternalTrack[], number[]] {
    const rows = tracks.length;
    const cols = candidates.length;
    const cost = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const t = tracks[i];
      const box = predicted.get(t) as Box;
      for (let j = 0; j < cols; j++) {
        const d = dets[candidates[j]];
        cost[i * cols + j] = d.classId === t.classId ? 1 - iou(box, d.box) : FORBIDDEN;
      }
    }
    const pairs = solveAssignment(cost, rows, cols, 1 - minIou);
    const usedRows = new Uint8Array(rows);
    const usedCols = new Uint8Array(cols);
    for (const [i, j] of pairs) {
      usedRows[i] = 1;
      usedCols[j] = 1;
      this.apply(tracks[i], dets[candidates[j]], tMs);
    }
    return [tracks.filter((_, i) => !usedRows[i]), candidates.filter((_, j) => !usedCols[j])];
  }

  private apply(t: InternalTrack, d: Detection, tMs: number): void {
    const [x0, y0, x1, y1] = d.box;
    kalmanUpdate(t.mean, t.cov, (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0);
    t.box = [x0, y0, x1, y1];
    t.score = d.score;
    t.lastSeenAt = tMs;
    t.unseenMs = 0;
    t.hits++;
    if (t.status === 'lost') t.status = 'tracked';
  }

  private create(d: Detection, tMs: number): InternalTrack {
    const [x0, y0, x1, y1] = d.box;
    const { mean, cov } = kalmanInit((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0);
    return {
      id: this.nextId++,
      classId: d.classId,
      label: d.label,
      status: this.options.confirmHits <= 1 ? 'tracked' : 'tentative',
      mean,
      cov,
      stateAt: tMs,
      box: [x0, y0, x1, y1],
      score: d.score,
      firstSeenAt: tMs,
      firstBox: [x0, y0, x1, y1],
      confirmedAt: this.options.confirmHits <= 1 ? tMs : null,
      lastSeenAt: tMs,
      hits: 1,
      unseenMs: 0,
    };
  }
}

function toTrack(t: InternalTrack): Track {
  return {
    trackId: t.id,
    box: [...t.box],
    score: t.score,
    classId: t.classId,
    label: t.label,
    state: t.status === 'lost' ? 'lost' : 'tracked',
    firstSeenAt: t.firstSeenAt,
    firstBox: [...t.firstBox],
    confirmedAt: t.confirmedAt ?? t.firstSeenAt,
    lastSeenAt: t.lastSeenAt,
    hits: t.hits,
  };
}
