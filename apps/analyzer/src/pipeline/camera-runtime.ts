import { effectiveRules, type CameraConfig } from '@xl/config';
import { IgnoreZones } from '@xl/rules';
import type { Letterbox } from '@xl/contracts';
import { createQualityGrid, letterboxContentSize, rasterizeMask, type FrameQuality, type QualityGrid } from '@xl/vision';

/**
 * What the analyzer derives once per camera configuration: the picture-quality grid (masks and
 * letterbox padding excluded) per frame geometry, which detector labels its rules watch, and its
 * ignore zones.
 */
export class CameraRuntime {
  private grids = new Map<string, QualityGrid>();
  /**
   * The camera's last luma/sharpness measurement in this process (FrameAnalyzer reuses it for a
   * second). A cache only: another worker continuing the camera measures for itself.
   */
  lastQuality: { grid: QualityGrid; capturedAt: number; quality: FrameQuality } | null = null;
  /** Per detector label, the lowest minScore of the enabled object rules watching it. */
  private readonly watched = new Map<string, number>();
  readonly ignoreZones: IgnoreZones;

  constructor(readonly camera: CameraConfig) {
    this.ignoreZones = new IgnoreZones(camera.zones);
    for (const rule of effectiveRules(camera)) {
      if (!rule.enabled || !('classes' in rule)) continue;
      for (const label of rule.classes) this.watched.set(label, Math.min(this.watched.get(label) ?? 1, rule.minScore));
    }
  }

  /**
   * The tracker's per-label high score (ByteTracker highScoreByLabel: first stage and new tracks) for
   * each watched label whose rules accept scores below `highScore`: their lowest minScore, never below
   * `floor` (the tracker's lowScore, which is the detector's floor). Otherwise a rule's minScore under
   * 0.3 promised what the tracker never delivered: the default no-fishing rule (0.2) saw no night boat
   * scoring 0.2–0.29. Per label, so that rule does not let person tracks start at 0.2 on its camera.
   */
  trackerHighScores(highScore: number, floor: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [label, min] of this.watched) if (min < highScore) out[label] = Math.max(floor, min);
    return out;
  }

  /** Whether an object of this label and score matters to some rule of the camera. */
  watches(label: string, score: number): boolean {
    const min = this.watched.get(label);
    return min !== undefined && score >= min;
  }

  qualityGrid(width: number, height: number, letterbox: Letterbox): QualityGrid {
    const content = letterboxContentSize(letterbox);
    const key = `${width}x${height}:${content.width}x${content.height}`;
    let grid = this.grids.get(key);
    if (!grid) {
      const mask = rasterizeMask(this.camera.masks, width, height, { contentWidth: content.width, contentHeight: content.height });
      grid = createQualityGrid(mask, width, height);
      this.grids.set(key, grid);
    }
    return grid;
  }
}
