import type { CameraConfig } from '@xl/config';
import { createInProcessDetector, type Detector, type LoadedModel } from '@xl/detection';
import type { RuleEvent } from '@xl/rules';
import { computeLetterbox, MotionDetector } from '@xl/vision';
import { CameraRuntime } from '../pipeline/camera-runtime';
import { FrameAnalyzer, type AnalysisState } from '../pipeline/frame-analyzer';
import { analysisDetectorOptions, STATE_MAX_GAP_DEFAULT_MS } from '../settings';
import { probeVideoSize, readClipFrames } from './file-frame-source';

export interface ReplayOptions {
  clip: string;
  camera: CameraConfig;
  detector: Detector;
  /** Analysis rate; default the camera's fps. */
  fps?: number;
  /** Wall-clock time of the clip's first frame (epoch ms), for rule schedules. Default: now. */
  startAt?: number;
  inputWidth: number;
  inputHeight: number;
  /** Clip seconds whose frames never reach the analyzer (a Redis failover, a reconnecting camera); default none. */
  missing?: (t: number) => boolean;
  /** A gap between analysed frames beyond which tracks and rule timers start afresh, as STATE_MAX_GAP_MS does in production. */
  maxStateGapMs?: number;
}

export interface ReplayEvent {
  /** Seconds from the clip's start. */
  t: number;
  event: RuleEvent;
}

/** The detector replay runs: in process, keeping what the analyzer's keeps — replay must answer as production does. */
export function createReplayDetector(model: LoadedModel): Promise<Detector> {
  return createInProcessDetector(model, analysisDetectorOptions());
}

/** Runs a clip through the analyzer's pipeline (sampling, letterbox, detector, tracker, rules); no Redis. */
export async function* replayClip(o: ReplayOptions): AsyncGenerator<ReplayEvent> {
  const fps = o.fps ?? o.camera.fps;
  const size = await probeVideoSize(o.clip);
  const letterbox = computeLetterbox(size.width, size.height, o.inputWidth, o.inputHeight);
  const runtime = new CameraRuntime(o.camera);
  const analyzer = new FrameAnalyzer(o.detector);
  const startAt = o.startAt ?? Date.now();
  // Frame-to-frame change measured as ingest measures it (its motion grid), for the frozen check.
  const motion = new MotionDetector({ width: o.inputWidth, height: o.inputHeight, letterbox, masks: o.camera.masks, threshold: o.camera.motion.threshold });
  const maxStateGapMs = o.maxStateGapMs ?? STATE_MAX_GAP_DEFAULT_MS;
  let state: AnalysisState | null = null;
  for await (const frame of readClipFrames(o.clip, fps, o.inputWidth, o.inputHeight)) {
    const t = frame.index / fps;
    const capturedAt = startAt + Math.round(t * 1000);
    motion.update(frame.data);
    if (o.missing?.(t)) continue;
    const result = await analyzer.analyze(
      { cameraId: o.camera.id, seq: frame.index, capturedAt, data: frame.data, width: o.inputWidth, height: o.inputHeight, letterbox, difference: motion.difference },
      runtime,
      state,
      // As the frame job does: across a longer gap the scene has changed; what was learned stays.
      state && capturedAt - state.capturedAt > maxStateGapMs ? 'learned' : 'all',
    );
    state = result.state;
    for (const event of result.events) yield { t, event };
  }
}
