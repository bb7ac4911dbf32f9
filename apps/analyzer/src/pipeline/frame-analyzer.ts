import type { Detection, Letterbox } from '@xl/contracts';
import type { Detector } from '@xl/detection';
import { CameraRuleEngine, type RuleEngineStateJSON, type RuleEvent } from '@xl/rules';
import { ByteTracker, type Track, type TrackerOptions, type TrackerStateJSON } from '@xl/tracking';
import { createGreyBuffer, measureFrameQuality, type FrameQuality } from '@xl/vision';
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
}

/** Per-camera state carried from frame to frame (stored in Redis by the worker, in memory by replay). */
export interface AnalysisState {
  capturedAt: number;
  configHash: string;
  tracker: TrackerStateJSON;
  rules: RuleEngineStateJSON;
}

export interface AnalysisResult {
  state: AnalysisState;
  /** The frame's pixels after detection (the same bytes as the input frame). */
  pixels: Uint8Array;
  detections: Detection[];
  tracks: Track[];
  events: RuleEvent[];
  quality: FrameQuality;
  /**
   * True while the camera has confirmed tracks or a rule is timing something (a vanish countdown, a
   * crowd hold, a health check): ingest must keep sending every frame, motion or not.
   */
  live: boolean;
}

/**
 * The previous frame's grey grid, for the frame-to-frame difference; kept in process only. Two
 * buffers per camera, swapped every frame: ~170 KiB each, not worth allocating per frame.
 */
interface PreviousGrey {
  capturedAt: number;
  grey: Float32Array;
  spare: Float32Array | null;
}

/**
 * The frame loop of one camera step: quality → detector → tracker → rules. It receives the detector
 * and the tracker options as parameters and holds no per-camera state itself, so any worker can run
 * any camera's next frame from the saved state.
 */
export class FrameAnalyzer {
  private previousGrey = new Map<string, PreviousGrey>();

  constructor(
    private readonly detector: Detector,
    private readonly trackerOptions: Partial<TrackerOptions> = {},
  ) {}

  async analyze(frame: AnalysisFrame, runtime: CameraRuntime, saved: AnalysisState | null): Promise<AnalysisResult> {
    const grid = runtime.qualityGrid(frame.width, frame.height, frame.letterbox);
    const cells = grid.width * grid.height;
    const previous = this.previousGrey.get(frame.cameraId);
    const grey = previous?.spare?.length === cells ? previous.spare : createGreyBuffer(grid);
    // The grid of the previous frame is only comparable when it is the frame the saved state ends at
    // (this worker analysed it); after a hand-over the difference is unknown for one frame.
    const prevGrey = previous && saved && previous.capturedAt === saved.capturedAt && previous.grey.length === cells ? previous.grey : null;
    const quality = measureFrameQuality(frame.data, grid, grey, prevGrey);
    this.previousGrey.set(frame.cameraId, { capturedAt: frame.capturedAt, grey, spare: previous?.grey ?? null });

    // The pool moves the pixels to its worker thread and back: `pixels` (not frame.data, which may
    // be detached now) is what a snapshot draws on.
    const { detections, data: pixels } = await this.detector.detectKeepingFrame({ data: frame.data, width: frame.width, height: frame.height, letterbox: frame.letterbox });

    const tracker = saved ? ByteTracker.fromJSON(saved.tracker, this.trackerOptions) : new ByteTracker(this.trackerOptions);
    const { tracks, removed } = tracker.update(detections, frame.capturedAt);

    // After a configuration change the rules that still exist carry on; new ones start fresh.
    const engine = saved ? CameraRuleEngine.fromJSON(runtime.camera, saved.rules) : new CameraRuleEngine(runtime.camera);
    const events = engine.evaluate({ capturedAt: frame.capturedAt, tracks, removed, quality });

    return {
      state: { capturedAt: frame.capturedAt, configHash: runtime.configHash, tracker: tracker.toJSON(), rules: engine.toJSON() },
      pixels,
      detections,
      tracks,
      events,
      quality,
      live: tracks.length > 0 || engine.isHot(),
    };
  }

  /** Forget a camera's in-process data (camera removed or moved away). */
  forget(cameraId: string): void {
    this.previousGrey.delete(cameraId);
  }
}
