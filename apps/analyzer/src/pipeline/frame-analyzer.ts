import type { Detection, DifferenceSample, Letterbox } from '@xl/contracts';
import type { Detector } from '@xl/detection';
import { CameraRuleEngine, type DroppedAlert, type RuleEngineStateJSON, type RuleEvent } from '@xl/rules';
import { ByteTracker, DEFAULT_TRACKER_OPTIONS, type Track, type TrackerOptions, type TrackerStateJSON } from '@xl/tracking';
import { createGreyBuffer, meanChroma, measureFrameQuality, sceneLayout, type FrameQuality } from '@xl/vision';
import type { CameraRuntime } from './camera-runtime';

/** One frame to analyse: letterboxed bgr24 pixels and where they came from. */
export interface AnalysisFrame {
  cameraId: string;
  seq: number;
  capturedAt: number;
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
  /**
   * Grey-level change against the camera's previous sampled frame, measured by ingest's motion grid
   * (FrameJob.difference) or by replay the same way; null when unknown. The analyzer itself sees only
   * gated frames, so it cannot measure frame-to-frame change for the frozen-picture check.
   */
  difference: number | null;
  /** Differences of the sampled frames ingest did not forward since the previous one (FrameJob.earlierDifferences). */
  earlierDifferences?: readonly DifferenceSample[];
}

/** The frame's picture metrics as the rules take them: FrameQuality plus the view's layout and colour. */
export type AnalysisQuality = FrameQuality & { layout?: Float32Array; chroma?: number };

/** Per-camera state carried from frame to frame (stored in Redis by the worker, in memory by replay). */
export interface AnalysisState {
  capturedAt: number;
  tracker: TrackerStateJSON;
  rules: RuleEngineStateJSON;
}

/**
 * What a frame takes over from the saved state: all of it, or — when the state cannot be continued
 * (a long gap, a clock that went back) — only what the camera has learned (its view and sharpness
 * baseline; CameraRuleEngine.restartFrom): tracks, timers and alerts start afresh.
 */
export type StateCarry = 'all' | 'learned';

export interface AnalysisResult {
  state: AnalysisState;
  /** The frame's pixels after detection (the same bytes as the input frame). */
  pixels: Uint8Array;
  /** Open alerts the rule engine dropped because the camera had too many (MAX_OPEN_ALERTS). */
  droppedAlerts: DroppedAlert[];
  /** Why the saved state could not be restored (another version, corrupt): analysed afresh instead. */
  discardedState?: string;
  /** What the tracker saw: the detector's detections less those in the camera's ignore zones. */
  detections: Detection[];
  /** Detections dropped by the camera's ignore zones. */
  ignored: number;
  tracks: Track[];
  events: RuleEvent[];
  quality: AnalysisQuality;
  /**
   * True while the camera tracks an object some rule watches (class and minimum score) — a tentative
   * track, not reported yet, included — or a rule is timing something (a vanish countdown, a crowd
   * hold, a health check): ingest must then send every frame, motion or not. A parked car or a
   * hydrant taken for a person at 0.3 does not keep it hot.
   */
  live: boolean;
}

/**
 * Luma and sharpness are measured at most this often per camera (ms of capture time); frames in
 * between reuse the last measurement. They describe the lens and the light, which the health rules
 * judge over tens of seconds, and the pass cost ~0.5–1 ms a frame, a tenth of the detector's.
 */
export const QUALITY_INTERVAL_MS = 1000;

/**
 * The frame loop of one camera step: quality → detector → tracker → rules. It receives the detector
 * and the tracker options as parameters and holds no per-camera state itself, so any worker can run
 * any camera's next frame from the saved state.
 */
export class FrameAnalyzer {
  /** One grey buffer per grid size, reused: the quality pass is synchronous, so frames never share it. */
  private greyBuffers = new Map<number, Float32Array>();

  constructor(
    private readonly detector: Detector,
    private readonly trackerOptions: Partial<TrackerOptions> = {},
    private readonly qualityIntervalMs = QUALITY_INTERVAL_MS,
  ) {}

  private measure(frame: AnalysisFrame, runtime: CameraRuntime): AnalysisQuality {
    const grid = runtime.qualityGrid(frame.width, frame.height, frame.letterbox);
    const last = runtime.lastQuality;
    if (last?.grid === grid && frame.capturedAt >= last.capturedAt && frame.capturedAt - last.capturedAt < this.qualityIntervalMs) {
      return { ...last.quality, difference: frame.difference };
    }
    const cells = grid.width * grid.height;
    let grey = this.greyBuffers.get(cells);
    if (!grey) this.greyBuffers.set(cells, (grey = createGreyBuffer(grid)));
    const quality: AnalysisQuality = {
      ...measureFrameQuality(frame.data, grid, grey, null),
      difference: frame.difference,
      // For camera_moved: the picture's coarse layout and whether it is colour or infrared grey (~0.1 ms).
      layout: sceneLayout(grey, grid),
      chroma: meanChroma(frame.data, grid),
    };
    runtime.lastQuality = { grid, capturedAt: frame.capturedAt, quality };
    return quality;
  }

  /**
   * The camera's engine and tracker from its saved state. A state that cannot be restored (written by
   * another version of the analyzer — a rollback — or corrupt) is discarded, not fatal: every frame of
   * the camera would fail on it, unanalysed, until the state expired.
   */
  private restore(runtime: CameraRuntime, saved: AnalysisState | null, carry: StateCarry): { engine: CameraRuleEngine; tracker: ByteTracker; discardedState?: string } {
    const fresh = () => {
      const engine = new CameraRuleEngine(runtime.camera);
      return { engine, tracker: new ByteTracker(this.trackerOptionsFor(runtime, engine)) };
    };
    if (!saved) return fresh();
    try {
      // After a configuration change the rules that still exist carry on; new ones start fresh.
      const engine = carry === 'all' ? CameraRuleEngine.fromJSON(runtime.camera, saved.rules) : CameraRuleEngine.restartFrom(runtime.camera, saved.rules);
      // The current configuration's thresholds replace the saved ones: every option is given, so
      // nothing of the saved state's (the release that created it) survives fromJSON.
      const options = this.trackerOptionsFor(runtime, engine);
      // A fresh tracker whenever the engine starts afresh: the engine knows tracks by id.
      return { engine, tracker: carry === 'all' ? ByteTracker.fromJSON(saved.tracker, options) : new ByteTracker(options) };
    } catch (err) {
      return { ...fresh(), discardedState: (err as Error).message };
    }
  }

  /**
   * The camera's tracker options: only observed time ages a lost track (of a gap out of the camera's
   * rhythm, the engine's cap), the lost buffer spans at least one such step, and a rule's minScore
   * below the tracker's high score can start a track of its classes (CameraRuntime.trackerHighScores).
   * Options given to the constructor win, except that the lost buffer never falls below that step.
   * The set is complete (this release's defaults under the rest): ByteTracker.fromJSON takes an
   * omitted option from the saved state, which froze a camera analysed without a 60 s gap at the
   * thresholds of the release that created its state, through any number of upgrades (until 2026-12-03).
   */
  private trackerOptionsFor(runtime: CameraRuntime, engine: CameraRuleEngine): TrackerOptions {
    const { highScore, lowScore, lostBufferSeconds, maxCountedGapSeconds } = {
      ...DEFAULT_TRACKER_OPTIONS,
      maxCountedGapSeconds: engine.gapCapSeconds(),
      ...this.trackerOptions,
    };
    return {
      ...DEFAULT_TRACKER_OPTIONS,
      maxCountedGapSeconds,
      highScoreByLabel: runtime.trackerHighScores(highScore, lowScore),
      ...this.trackerOptions,
      // One step counts up to maxCountedGapSeconds (5 s at 0.4 fps). With the 2 s buffer a single
      // missed detection removed the track, the person came back as a tentative track the rules do
      // not see, and the old track's vanish countdown ran out: a drowning alarm for someone in view.
      lostBufferSeconds: Math.max(lostBufferSeconds, maxCountedGapSeconds),
    };
  }

  async analyze(frame: AnalysisFrame, runtime: CameraRuntime, saved: AnalysisState | null, carry: StateCarry = 'all'): Promise<AnalysisResult> {
    const quality = this.measure(frame, runtime);

    // The pool moves the pixels to its worker thread and back: `pixels` (not frame.data, which may
    // be detached now) is what a snapshot draws on.
    const detected = await this.detector.detectKeepingFrame({ data: frame.data, width: frame.width, height: frame.height, letterbox: frame.letterbox });
    const pixels = detected.data;
    const { kept: detections, ignored } = runtime.ignoreZones.filter(detected.detections);

    const { engine, tracker, discardedState } = this.restore(runtime, saved, carry);
    const { tracks, removed } = tracker.update(detections, frame.capturedAt);

    const events = engine.evaluate({ capturedAt: frame.capturedAt, tracks, removed, quality, earlierDifferences: frame.earlierDifferences });

    return {
      state: { capturedAt: frame.capturedAt, tracker: tracker.toJSON(), rules: engine.toJSON() },
      droppedAlerts: engine.droppedAlerts,
      ...(discardedState ? { discardedState } : {}),
      pixels,
      detections,
      ignored,
      tracks,
      events,
      quality,
      // Tentative tracks too: their confirming frame must not wait for the next heartbeat (5–300 s), in
      // which a person first seen in the last motion frame could go under unreported.
      live:
        engine.isHot() ||
        tracks.some((t) => t.state === 'tracked' && runtime.watches(t.label, t.score)) ||
        tracker.tentativeTracks().some((t) => runtime.watches(t.label, t.score)),
    };
  }
}
