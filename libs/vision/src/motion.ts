// Motion gate: a cheap score telling ingest whether a frame is worth analysing. It compares a small
// grey copy of each letterboxed frame (1/8 scale: 52×52 cells for 416×416) with the previous one and
// returns the fraction of cells whose grey level moved by at least `threshold`. Block averaging
// removes sensor noise; masks (on-screen clock, camera name) and the letterbox padding never count.
import type { Letterbox } from '@xl/contracts';
import type { Polygon } from '@xl/geometry';
import { letterboxContentSize } from './letterbox';
import { rasterizeMask } from './mask';
import { bgrToGreyGrid, createGreyBuffer, createQualityGrid, type QualityGrid } from './quality';

export interface MotionDetectorOptions {
  /** Size of the letterboxed frames (detector input). */
  width: number;
  height: number;
  /** How the camera picture sits in the frame; cells outside it (padding) are masked. */
  letterbox: Letterbox;
  /** Areas to ignore, normalized 0..1 camera-picture coordinates (the camera's `masks`). */
  masks: Polygon[];
  /** Grey-level change (0–255) at which a cell counts as changed (camera `motion.threshold`). */
  threshold: number;
  /** Each cell averages factor × factor pixels. Default 8. */
  factor?: number;
}

/** Fraction (0..1) of counted cells whose grey level differs by at least `threshold`. */
export function changedFraction(
  current: Float32Array,
  previous: Float32Array,
  valid: Uint8Array,
  validCount: number,
  threshold: number,
): number {
  const n = current.length;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    if (!valid[i]) continue;
    const d = current[i] - previous[i];
    if (d >= threshold || d <= -threshold) changed++;
  }
  return validCount ? changed / validCount : 0;
}

/** Frame-to-frame motion of one camera. Holds two small grey buffers and swaps them. */
export class MotionDetector {
  readonly grid: QualityGrid;
  private current: Float32Array;
  private previous: Float32Array;
  private hasPrevious = false;
  private readonly threshold: number;

  constructor(o: MotionDetectorOptions) {
    const content = letterboxContentSize(o.letterbox);
    const mask = rasterizeMask(o.masks, o.width, o.height, { contentWidth: content.width, contentHeight: content.height });
    this.grid = createQualityGrid(mask, o.width, o.height, o.factor ?? 8);
    this.current = createGreyBuffer(this.grid);
    this.previous = createGreyBuffer(this.grid);
    this.threshold = o.threshold;
  }

  /** Motion of `frame` (bgr24, width × height) against the previous frame; 0 for the first one. */
  update(frame: Uint8Array): number {
    const grey = bgrToGreyGrid(frame, this.grid, this.current);
    let score = 0;
    if (this.hasPrevious) score = changedFraction(grey, this.previous, this.grid.valid, this.grid.validCount, this.threshold);
    this.current = this.previous;
    this.previous = grey;
    this.hasPrevious = true;
    return score;
  }

  /** Forget the previous frame (after a reconnect the next frame is not comparable). */
  reset(): void {
    this.hasPrevious = false;
  }
}
