// The rules of one camera over time. Built from the camera's effective rules; fed the tracker's
// output and the frame's picture metrics per analysed frame; returns alert events. Its whole state is
// plain JSON so that any analyzer worker can continue the camera.
import { effectiveRules, type CameraConfig, type RuleConfig } from '@xl/config';
import { countedGapSeconds } from '@xl/tracking';
import { AlertBook, type AlertBookJSON, type DroppedAlert } from './alert-book';
import { SharpnessBaseline, type SharpnessBaselineJSON } from './baseline';
import { CrowdEvaluator } from './crowd';
import { HealthEvaluator, isHealthRule, looksCovered, LUMA_RECOVERY_MARGIN, SHARPNESS_DETAIL_FACTOR, type HealthFrame } from './health';
import { LineCrossEvaluator } from './line-cross';
import { PresenceEvaluator } from './presence';
import { drawingKey, NO_VIEW_READING, SceneView, type SceneViewJSON } from './scene-view';
import type { RuleContext, RuleEvaluator } from './rule';
import { localClock, scheduleActive } from './schedule';
import type { FrameQualitySample, RuleEvaluationInput, RuleEvent } from './types';
import { VanishEvaluator } from './vanish';
import { IgnoreZones } from './ignore-zones';

/** Luma at or below which the picture counts as dark when no covered rule says otherwise. */
const DEFAULT_DARK_LUMA = 40;
/** Sharpness at or below which a dark picture counts as featureless when no covered rule says otherwise. */
const DEFAULT_FEATURELESS_SHARPNESS = 3;
/** Frame steps remembered for the camera's rhythm (their median). */
const RHYTHM_STEPS = 5;
/** A remembered step is at most this long (an outage must not set the rhythm for minutes). */
const MAX_RHYTHM_STEP_MS = 60_000;

export interface RuleEngineStateJSON {
  version: 1;
  cameraId: string;
  /** Epoch ms of the last evaluated frame, or null before the first. */
  lastCapturedAt: number | null;
  alerts: AlertBookJSON;
  baseline: SharpnessBaselineJSON;
  /** The camera's learned view (camera_moved); absent in states saved before it existed. */
  view?: SceneViewJSON;
  /** The last frame steps (ms), for the gap cap; absent in states saved before it existed. */
  recentSteps?: number[];
  /**
   * Per rule id: its type, zone or line (the state of a rule whose type, zone or line changed is
   * dropped; states saved before the zone and line were kept load on the type alone) and its state.
   */
  rules: Record<string, { type: RuleConfig['type']; zone?: string; line?: string; state: unknown }>;
}

/** What a rule is bound to: its type and, for object rules, its zone or line. */
export interface RuleBinding {
  type: RuleConfig['type'];
  zone?: string;
  line?: string;
}

export function bindingOf(rule: RuleConfig): RuleBinding {
  if (rule.type === 'line_cross') return { type: rule.type, line: rule.line };
  return 'zone' in rule ? { type: rule.type, zone: rule.zone } : { type: rule.type };
}

/** A saved rule state belongs to this rule: same type, and same zone or line when the state names them. */
function sameBinding(saved: { type: string; zone?: string; line?: string }, rule: RuleConfig): boolean {
  const b = bindingOf(rule);
  if (saved.type !== b.type) return false;
  if (!('zone' in saved) && !('line' in saved)) return true; // saved before bindings were kept
  return saved.zone === b.zone && saved.line === b.line;
}

export class CameraRuleEngine {
  readonly cameraId: string;
  /** The rules this engine runs (enabled ones, in configuration order). */
  readonly rules: readonly RuleConfig[];
  private readonly evaluators: RuleEvaluator[];
  private readonly book: AlertBook;
  private readonly baseline = new SharpnessBaseline();
  private readonly view: SceneView;
  private readonly ignoreZones: IgnoreZones;
  private frame: HealthFrame;
  private lastCapturedAt: number | null = null;
  private recentSteps: number[] = [];
  /** Open alerts the last evaluate() dropped from the full alert book (MAX_OPEN_ALERTS); the caller logs them. */
  droppedAlerts: DroppedAlert[] = [];

  constructor(private readonly camera: CameraConfig) {
    this.cameraId = camera.id;
    this.book = new AlertBook(camera.id);
    this.view = new SceneView(drawingKey({ zones: camera.zones, lines: camera.lines }));
    this.frame = { baseline: this.baseline, dark: false, covered: false, featureless: false, view: NO_VIEW_READING };
    this.rules = effectiveRules(camera).filter((r) => r.enabled);
    this.ignoreZones = new IgnoreZones(camera.zones);
    this.evaluators = this.rules.map((rule) => this.evaluatorFor(rule));
  }

  /** An engine for `camera` continuing from a saved state (rules added since start fresh). */
  static fromJSON(camera: CameraConfig, state: RuleEngineStateJSON): CameraRuleEngine {
    const engine = CameraRuleEngine.restartFrom(camera, state);
    engine.lastCapturedAt = state.lastCapturedAt;
    engine.recentSteps = [...(state.recentSteps ?? [])];
    engine.book.load(state.alerts);
    for (const e of engine.evaluators) {
      const saved = state.rules[e.rule.id];
      // A rule pointed at another zone or line under the same id starts afresh: its memberships,
      // windows and anchors are about the old place (a crowd window raised "1 persons" on the new zone).
      if (saved && sameBinding(saved, e.rule)) e.load(saved.state);
    }
    return engine;
  }

  /**
   * A fresh engine for a state that cannot be continued (a gap of minutes, a clock that went back),
   * keeping only what the camera taught it: the learned view — unless the zones or lines were redrawn
   * since (SceneView.load) — and the sharpness baseline. Alerts, timers and per-track state start
   * over. Relearning the view from whatever the camera sees after an outage would take a camera
   * turned during it for the right view.
   */
  static restartFrom(camera: CameraConfig, state: RuleEngineStateJSON): CameraRuleEngine {
    if (!state || state.version !== 1) throw new Error(`rule engine state: unsupported version ${String(state?.version)}`);
    if (state.cameraId !== camera.id) throw new Error(`rule engine state of camera '${state.cameraId}' given to camera '${camera.id}'`);
    const engine = new CameraRuleEngine(camera);
    engine.baseline.load(state.baseline);
    engine.view.load(state.view);
    return engine;
  }

  evaluate(input: RuleEvaluationInput): RuleEvent[] {
    const now = input.capturedAt;
    if (!Number.isFinite(now)) throw new RangeError(`rules: capturedAt ${now} is not a number`);
    if (this.lastCapturedAt !== null && now < this.lastCapturedAt) {
      throw new RangeError(`rules: frame at ${now} is older than the previous one at ${this.lastCapturedAt}`);
    }
    const previous = this.lastCapturedAt ?? -Infinity;
    const step = this.lastCapturedAt === null ? null : now - this.lastCapturedAt;
    const countedMs = step === null ? 0 : Math.min(step, this.gapCapSeconds() * 1000);
    if (step !== null) this.recentSteps = [...this.recentSteps, Math.min(step, MAX_RHYTHM_STEP_MS)].slice(-RHYTHM_STEPS);
    const gapCapMs = this.gapCapSeconds() * 1000;
    const earlierDifferences = (input.earlierDifferences ?? []).filter((d) => d.at > previous && d.at < now && Number.isFinite(d.difference));
    this.lastCapturedAt = now;
    this.book.endOrphans(new Map(this.rules.map((r) => [r.id, bindingOf(r)])), now);
    const clock = localClock(this.camera.timezone, now);
    const q = input.quality;
    const dark = q ? q.meanLuma <= this.coveredMaxLuma() : false;
    // The baselines learn only from frames clearly away from covered (past its recovery margins): a
    // dim or nearly featureless picture must not teach them. The rules judge every frame that
    // camera_covered does not claim, except camera_moved: it judges only what its view learns from.
    const dim = q ? q.meanLuma <= this.coveredMaxLuma() + LUMA_RECOVERY_MARGIN : false;
    const featureless = dim && q !== undefined && q.sharpness <= this.featurelessSharpness();
    const view = q ? this.view.read(q.layout, q.chroma) : NO_VIEW_READING;
    this.frame = { baseline: this.baseline, dark, covered: q ? this.coveredApplies(q) : false, featureless, view };
    for (const e of this.evaluators) {
      const ctx: RuleContext = {
        now,
        scheduled: scheduleActive(e.rule.schedule, clock),
        tracks: input.tracks,
        removed: input.removed,
        quality: input.quality,
        earlierDifferences,
        countedMs,
        gapCapMs,
        book: this.book,
      };
      e.step(ctx);
    }
    if (q && !dim && this.healthy()) this.baseline.learn(now, q.sharpness);
    // The moved rule's own alarm does not stop the view learning: after warm-up only frames like the
    // view teach it, and a view learned anew (zones redrawn) must be able to end that alarm.
    if (q && !featureless && this.healthy('camera_moved')) this.view.learn(now, q.layout, q.chroma, view);
    this.book.prune(now, new Set(input.removed.map((t) => t.trackId)));
    this.droppedAlerts = this.book.drainDropped();
    return this.book.drain();
  }

  /**
   * True while a rule needs frames even without motion: someone is in a water zone or a vanish
   * countdown runs, a crowd window or health hold is timing or active. The analyzer keeps the camera hot.
   */
  isHot(): boolean {
    return this.evaluators.some((e) => e.busy());
  }

  /**
   * Of the time between two frames, how much counts as observed (by the rules, and by the tracker,
   * which the analyzer gives this value): countedGapSeconds(fps), or twice the median of the camera's
   * last steps when its frames come further apart than that (analyzers behind). Only a gap out of the
   * camera's rhythm — frames that did not come — is discounted; steady slow frames count in full.
   */
  gapCapSeconds(): number {
    const base = countedGapSeconds(this.camera.fps);
    if (!this.recentSteps.length) return base;
    const sorted = [...this.recentSteps].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return Math.max(base, (2 * median) / 1000);
  }

  toJSON(): RuleEngineStateJSON {
    const rules: RuleEngineStateJSON['rules'] = {};
    for (const e of this.evaluators) rules[e.rule.id] = { ...bindingOf(e.rule), state: e.toJSON() };
    return {
      version: 1,
      cameraId: this.cameraId,
      lastCapturedAt: this.lastCapturedAt,
      alerts: this.book.toJSON(),
      baseline: this.baseline.toJSON(),
      view: this.view.toJSON(),
      recentSteps: [...this.recentSteps],
      rules,
    };
  }

  private evaluatorFor(rule: RuleConfig): RuleEvaluator {
    if (isHealthRule(rule)) return new HealthEvaluator(rule, () => this.frame);
    if (rule.type === 'line_cross') {
      const line = this.camera.lines.find((l) => l.id === rule.line);
      if (!line) throw new Error(`camera '${this.camera.id}': rule '${rule.id}' names line '${rule.line}', which the camera does not have`);
      return new LineCrossEvaluator(rule, line);
    }
    const zone = this.camera.zones.find((z) => z.id === rule.zone);
    if (!zone) throw new Error(`camera '${this.camera.id}': rule '${rule.id}' names zone '${rule.zone}', which the camera does not have`);
    switch (rule.type) {
      case 'zone_enter':
      case 'dwell':
        return new PresenceEvaluator(rule, zone);
      case 'vanish_in_water':
        return new VanishEvaluator(rule, zone, this.ignoreZones);
      case 'crowd':
        return new CrowdEvaluator(rule, zone);
    }
  }

  /** No health rule (but those of type `except`) finds the current frame bad or is active: the frame may teach the baselines. */
  private healthy(except?: RuleConfig['type']): boolean {
    return this.evaluators.every((e) => !(e instanceof HealthEvaluator) || e.rule.type === except || (!e.busy() && e.lastVerdict !== 'bad'));
  }

  /**
   * A camera_covered rule finds the frame covered, or is timing or holding its alert (decided on the
   * previous frames: the rules run in configuration order). Without a covered rule nothing is left to it.
   */
  private coveredApplies(q: FrameQualitySample): boolean {
    return this.evaluators.some((e) => e instanceof HealthEvaluator && e.rule.type === 'camera_covered' && (looksCovered(e.rule, q) || e.busy()));
  }

  private featurelessSharpness(): number {
    const covered = this.rules.filter((r) => r.type === 'camera_covered').map((r) => r.maxSharpness);
    return (covered.length ? Math.max(...covered) : DEFAULT_FEATURELESS_SHARPNESS) * SHARPNESS_DETAIL_FACTOR;
  }

  private coveredMaxLuma(): number {
    const covered = this.rules.filter((r) => r.type === 'camera_covered').map((r) => r.maxLuma);
    return covered.length ? Math.max(...covered) : DEFAULT_DARK_LUMA;
  }
}
