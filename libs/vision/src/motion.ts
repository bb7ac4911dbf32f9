// Motion gate: a cheap score telling ingest whether a frame is worth analysing. It compares a small
// grey copy of each letterboxed frame (cells of 8×8 pixels: 52×52 for 416×416) with the previous one
// and returns the fraction of cells whose mean grey level moved by at least `threshold`. Averaging
// removes sensor noise; masks (on-screen clock, camera name) and the letterbox padding never count.
// It runs on every frame of every camera, so it only samples what it needs: cells that count, and in
// each a regular subset of pixels (every `step`-th pixel of every `step`-th row).
import type { Letterbox } from '@xl/contracts';
import type { Polygon } from '@xl/geometry';
import { letterboxContentSize } from './letterbox';
import { rasterizeMask } from './mask';
import { createQualityGrid } from './quality';

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
  /** Cells are factor × factor pixels. Default 8. */
  factor?: number;
  /** Sample every step-th pixel and row of a cell. Default 2 (16 of 64 pixels). */
  step?: number;
}

/** Default cell size in pixels of the motion grid (52×52 cells for a 416×416 input). */
export const MOTION_CELL_PIXELS = 8;

// BT.601 luma in integers: (29 B + 150 G + 77 R) / 256.
const WB = 29;
const WG = 150;
const WR = 77;

/** Frame-to-frame motion of one camera. Holds two small arrays of cell sums and swaps them. */
export class MotionDetector {
  /** Cells that count (no masked or padding pixel in them). */
  readonly cellCount: number;
  private readonly cellOffsets: Int32Array;
  private readonly sampleOffsets: Int32Array;
  private readonly frameBytes: number;
  /** A cell changed when its sum moved by at least this (threshold in sum units). */
  private readonly limit: number;
  private current: Int32Array;
  private previous: Int32Array;
  private hasPrevious = false;
  /** Cell sum units per grey level (weights × samples per cell). */
  private readonly sumPerGrey: number;
  /**
   * Mean absolute change of the cells' grey level (0–255) between the last two frames, or null
   * without a previous frame. Near 0 only when the picture repeats itself (a frozen camera): sensor
   * noise alone keeps it above ~0.05 on a live camera. Computed in the same pass as the motion score.
   */
  difference: number | null = null;

  constructor(o: MotionDetectorOptions) {
    const factor = o.factor ?? MOTION_CELL_PIXELS;
    const step = o.step ?? 2;
    if (!Number.isInteger(step) || step < 1 || step > factor) throw new Error(`motion: step ${step} must be an integer in 1..${factor}`);
    const content = letterboxContentSize(o.letterbox);
    const mask = rasterizeMask(o.masks, o.width, o.height, { contentWidth: content.width, contentHeight: content.height });
    const grid = createQualityGrid(mask, o.width, o.height, factor);
    const offsets: number[] = [];
    for (let cy = 0; cy < grid.height; cy++)
      for (let cx = 0; cx < grid.width; cx++) if (grid.valid[cy * grid.width + cx]) offsets.push((cy * factor * o.width + cx * factor) * 3);
    this.cellOffsets = Int32Array.from(offsets);
    this.cellCount = offsets.length;
    const samples: number[] = [];
    for (let y = 0; y < factor; y += step) for (let x = 0; x < factor; x += step) samples.push((y * o.width + x) * 3);
    this.sampleOffsets = Int32Array.from(samples);
    this.sumPerGrey = (WB + WG + WR) * samples.length;
    this.limit = o.threshold * this.sumPerGrey;
    this.frameBytes = o.width * o.height * 3;
    this.current = new Int32Array(this.cellCount);
    this.previous = new Int32Array(this.cellCount);
  }

  /** Motion of `frame` (bgr24, width × height) against the previous frame: changed-cell fraction, 0 for the first. */
  update(frame: Uint8Array): number {
    if (frame.length !== this.frameBytes) throw new Error(`motion: frame has ${frame.length} bytes, expected ${this.frameBytes}`);
    const cells = this.cellOffsets;
    const samples = this.sampleOffsets;
    const current = this.current;
    const n = cells.length;
    const m = samples.length;
    for (let c = 0; c < n; c++) {
      const base = cells[c];
      let sum = 0;
      for (let k = 0; k < m; k++) {
        const j = base + samples[k];
        sum += WB * frame[j] + WG * frame[j + 1] + WR * frame[j + 2];
      }
      current[c] = sum;
    }
    let score = 0;
    this.difference = null;
    if (this.hasPrevious && n > 0) {
      const previous = this.previous;
      const limit = this.limit;
      let changed = 0;
      let absSum = 0;
      for (let c = 0; c < n; c++) {
        const d = current[c] - previous[c];
        if (d >= limit || d <= -limit) changed++;
        absSum += d < 0 ? -d : d;
      }
      score = changed / n;
      this.difference = absSum / (n * this.sumPerGrey);
    }
    this.current = this.previous;
    this.previous = current;
    this.hasPrevious = true;
    return score;
  }

  /** Forget the previous frame (after a reconnect the next frame is not comparable). */
  reset(): void {
    this.hasPrevious = false;
    this.difference = null;
  }
}
