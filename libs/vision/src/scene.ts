// The picture's coarse layout, for noticing a camera turned, tilted, zoomed or knocked away from the
// view its zones were drawn on (camera_moved): the quality grid's grey cells averaged into blocks and
// compared with the camera's learned view by correlation, which ignores a change of overall
// brightness or contrast (clouds, dusk, auto exposure) and, being coarse, a few people walking by.
// Measured on the scenario clips (docs/rules.md): 0.83–1.00 against the learned view with people, a
// crowd of ten, a night sea; 0.38 for the same storefront with the view shifted by 30 %.
import type { QualityGrid } from './quality';

/** Grid cells per layout block side: 13 cells of 2 px = 26 px, 16 × 9 blocks over a 16:9 picture at 416. */
export const LAYOUT_BLOCK = 13;
/** A block counts when at least this fraction of its cells is picture (not masked, not padding). */
const MIN_VALID_FRACTION = 0.5;
/** Fewer comparable blocks than this: no verdict (a mask covering most of the picture). */
export const MIN_LAYOUT_BLOCKS = 8;
/** Block means spread less than this (grey levels, standard deviation): a featureless picture has no layout. */
export const MIN_LAYOUT_SPREAD = 2;

/**
 * Block means of `grey` (the grid bgrToGreyGrid filled), row-major, NaN where a block is mostly
 * masked. Blocks are `block` × `block` grid cells; the cells past the last whole block are left out.
 */
export function sceneLayout(grey: Float32Array, grid: QualityGrid, block = LAYOUT_BLOCK): Float32Array {
  const { width: w, rows, valid } = grid;
  const bw = Math.floor(w / block);
  const bh = Math.floor(rows / block);
  const sums = new Float64Array(bw * bh);
  const counts = new Uint32Array(bw * bh);
  for (let y = 0, yEnd = bh * block; y < yEnd; y++) {
    const bRow = ((y / block) | 0) * bw;
    const row = y * w;
    for (let x = 0, xEnd = bw * block; x < xEnd; x++) {
      if (!valid[row + x]) continue;
      const b = bRow + ((x / block) | 0);
      sums[b] += grey[row + x];
      counts[b]++;
    }
  }
  const out = new Float32Array(bw * bh);
  const minCells = block * block * MIN_VALID_FRACTION;
  for (let b = 0; b < out.length; b++) out[b] = counts[b] >= minCells ? sums[b] / counts[b] : NaN;
  return out;
}

/**
 * Pearson correlation of two layouts over the blocks valid in both: 1 for the same view under any
 * brightness and contrast, near 0 (or below) for another view. Null when the layouts differ in size,
 * share fewer than MIN_LAYOUT_BLOCKS blocks, or either is featureless (a covered lens, fog, night).
 */
export function layoutCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) return null;
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sa += x;
    sb += y;
  }
  if (n < MIN_LAYOUT_BLOCKS) return null;
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const spread = MIN_LAYOUT_SPREAD * MIN_LAYOUT_SPREAD * n;
  if (aa < spread || bb < spread) return null;
  return ab / Math.sqrt(aa * bb);
}

/** Pixels sampled per row and column for meanChroma: every 8th. */
const CHROMA_STEP = 8;

/**
 * Mean colour spread (max − min of B, G, R; 0–255) of the picture, sampled every 8th pixel of the
 * grid's counting cells only: the grey letterbox padding (the right-hand columns of a portrait
 * camera) and the masked on-screen text would pull a pale colour picture below MONO_MAX_CHROMA. An
 * infrared night picture is grey (≈ 0–2); a colour picture, even a dark one, is well above. The
 * camera's learned view is kept per mode, so the nightly switch to infrared is not a moved camera.
 */
export function meanChroma(frame: Uint8Array, grid: QualityGrid): number {
  const { srcWidth, rows, factor, valid, width } = grid;
  const yEnd = rows * factor;
  const xEnd = width * factor;
  let sum = 0;
  let n = 0;
  for (let y = 0; y < yEnd; y += CHROMA_STEP) {
    const cellRow = ((y / factor) | 0) * width;
    for (let x = 0, j = y * srcWidth * 3; x < xEnd; x += CHROMA_STEP, j += CHROMA_STEP * 3) {
      if (!valid[cellRow + ((x / factor) | 0)]) continue;
      const b = frame[j];
      const g = frame[j + 1];
      const r = frame[j + 2];
      const hi = b > g ? (b > r ? b : r) : g > r ? g : r;
      const lo = b < g ? (b < r ? b : r) : g < r ? g : r;
      sum += hi - lo;
      n++;
    }
  }
  return n ? sum / n : 0;
}
