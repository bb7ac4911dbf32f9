import type { AlertEvent } from '@xl/contracts';
import type { Track } from '@xl/tracking';

/** Picture metrics of the frame (the shape of @xl/vision's FrameQuality). */
export interface FrameQualitySample {
  /** Mean luma 0–255 of the unmasked picture. */
  meanLuma: number;
  /** Mean absolute Laplacian; falls when the lens is defocused or smeared. */
  sharpness: number;
  /** Mean absolute difference to the previous analysed frame; null when unknown (no previous frame). */
  difference: number | null;
  /** Coarse block means of the picture (@xl/vision sceneLayout, NaN where masked), for camera_moved. */
  layout?: ArrayLike<number>;
  /** Mean colour spread (@xl/vision meanChroma): ≈ 0 for an infrared night picture. */
  chroma?: number;
}

export interface RuleEvaluationInput {
  /** Epoch ms of the frame; never earlier than the previous evaluation's. */
  capturedAt: number;
  /** The tracker's confirmed tracks after this frame (tracked and lost). */
  tracks: readonly Track[];
  /** Tracks the tracker removed in this frame. */
  removed: readonly Track[];
  /** Picture metrics; without them the camera health rules wait. */
  quality?: FrameQualitySample;
  /**
   * Frame differences of sampled frames between the previous evaluated frame and this one, oldest
   * first (ingest measures every sampled frame; the motion gate forwards only some). The frozen check
   * takes them as if those frames had been evaluated.
   */
  earlierDifferences?: readonly { at: number; difference: number }[];
}

/**
 * What the engine reports: an AlertEvent of @xl/contracts (less the snapshot, which the analyzer adds)
 * plus `lineId` and the `ended` kind, so that the analyzer maps it 1:1. `created` opens an alert,
 * `updated` carries later news of it (higher score, larger crowd, another crossing), `ended` says the
 * condition is over. For vanish_in_water, `relatedAlertId` is the zone_enter alert of the same track
 * and zone, whose severity it raises.
 */
export interface RuleEvent extends Omit<AlertEvent, 'kind' | 'snapshotPath'> {
  kind: 'created' | 'updated' | 'ended';
  lineId?: string;
}
