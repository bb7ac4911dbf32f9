// Frame-quality metrics for the camera-health rules (covered/dark, blurred, frozen), measured on a
// small grey copy of the letterboxed bgr24 frame. Masked pixels (the on-screen clock and camera name,
// which keep changing on a frozen picture, and the letterbox padding, which never changes) are left
// out of every metric.

/** Per camera and frame size: the small grey grid and which of its cells count. Build once, reuse. */
export interface QualityGrid {
  /** Size of the frames measured (the letterboxed detector input). */
  srcWidth: number;
  srcHeight: number;
  /** Each grid cell averages a factor × factor block of frame pixels. */
  factor: number;
  width: number;
  height: number;
  /** 1 where a cell counts for luma and difference: no pixel of its block is masked. */
  valid: Uint8Array;
  validCount: number;
  /** 1 where a cell and its 4 neighbours are valid, so its Laplacian sees only picture. */
  lapValid: Uint8Array;
  lapCount: number;
  /**
   * Grid rows up to the last one with a valid cell: rows below it (the letterbox padding under a
   * 16:9 picture, 44 % of a 416×416 input) are never read from the frame.
   */
  rows: number;
}

export interface FrameQuality {
  /** Mean BT.601 luma, 0–255, of the unmasked picture. */
  meanLuma: number;
  /** Mean absolute 4-neighbour Laplacian of the grey grid (grey levels); falls when the lens is defocused. */
  sharpness: number;
  /** Mean absolute grey difference against the previous frame's grid; null without one. ≈0 when frozen. */
  difference: number | null;
}

/**
 * Builds the grid for frames of width × height pixels. `mask` (width × height, 1 = masked, as
 * rasterizeMask gives) may be null. The default factor 2 keeps enough detail for the sharpness of a
 * 416-px letterboxed sub stream while averaging 4 pixels against sensor noise.
 */
export function createQualityGrid(mask: Uint8Array | null, width: number, height: number, factor = 2): QualityGrid {
  if (!Number.isInteger(factor) || factor < 1)
    throw new Error(`quality grid: factor ${factor} must be a positive integer`);
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  if (w < 3 || h < 3) throw new Error(`quality grid: ${width}x${height} / ${factor} is smaller than 3x3`);
  if (mask && mask.length !== width * height)
    throw new Error(`quality grid: mask has ${mask.length} cells, frame ${width}x${height}`);
  const valid = new Uint8Array(w * h).fill(1);
  if (mask) {
    for (let y = 0; y < h * factor; y++) {
      const row = y * width;
      const cellRow = ((y / factor) | 0) * w;
      for (let x = 0; x < w * factor; x++) if (mask[row + x]) valid[cellRow + ((x / factor) | 0)] = 0;
    }
  }
  let validCount = 0;
  for (let i = 0; i < valid.length; i++) validCount += valid[i];
  if (validCount === 0) throw new Error(`quality grid: the mask covers the whole ${width}x${height} frame`);
  const lapValid = new Uint8Array(w * h);
  let lapCount = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (valid[i] && valid[i - 1] && valid[i + 1] && valid[i - w] && valid[i + w]) {
        lapValid[i] = 1;
        lapCount++;
      }
    }
  }
  let rows = h;
  while (rows > 0 && valid.subarray((rows - 1) * w, rows * w).every((v) => v === 0)) rows--;
  return { srcWidth: width, srcHeight: height, factor, width: w, height: h, valid, validCount, lapValid, lapCount, rows };
}

/** A grey buffer for `grid`; the caller keeps two and swaps them (current, previous). */
export function createGreyBuffer(grid: QualityGrid): Float32Array {
  return new Float32Array(grid.width * grid.height);
}

/**
 * Block-averaged BT.601 luma of a bgr24 frame into `grey` (grid.width × grid.height). Pixels beyond the
 * last whole block (when the size is not a multiple of the factor) are ignored.
 */
export function bgrToGreyGrid(frame: Uint8Array, grid: QualityGrid, grey: Float32Array): Float32Array {
  const { srcWidth, srcHeight, factor, width: w, height: h, rows } = grid;
  if (frame.length !== srcWidth * srcHeight * 3) {
    throw new Error(`quality: frame has ${frame.length} bytes, expected ${srcWidth}x${srcHeight}x3 bgr24`);
  }
  if (grey.length !== w * h) throw new Error(`quality: grey buffer has ${grey.length} cells, grid ${w}x${h}`);
  grey.fill(0, 0, rows * w);
  const rowBytes = srcWidth * 3;
  // Integer BT.601 weights scaled by 256 (29 + 150 + 77): integer adds in the inner loop, one float
  // multiply per cell at the end.
  for (let y = 0, yEnd = rows * factor; y < yEnd; y++) {
    const cellRow = ((y / factor) | 0) * w;
    let j = y * rowBytes;
    for (let cx = 0; cx < w; cx++) {
      let sum = 0;
      for (let k = 0; k < factor; k++, j += 3) sum += 29 * frame[j] + 150 * frame[j + 1] + 77 * frame[j + 2];
      grey[cellRow + cx] += sum;
    }
  }
  const inv = 1 / (256 * factor * factor);
  for (let i = 0, n = rows * w; i < n; i++) grey[i] *= inv;
  return grey;
}

/**
 * Measures one frame: fills `grey` with its grid (keep it as the next call's `previous`) and returns
 * luma, sharpness and the difference against `previous`.
 */
export function measureFrameQuality(
  frame: Uint8Array,
  grid: QualityGrid,
  grey: Float32Array,
  previous: Float32Array | null,
): FrameQuality {
  bgrToGreyGrid(frame, grid, grey);
  const { width: w, valid, validCount, lapValid, lapCount, rows } = grid;
  const n = rows * w; // no valid cell lies below `rows`
  let lumaSum = 0;
  for (let i = 0; i < n; i++) if (valid[i]) lumaSum += grey[i];
  let lapSum = 0;
  for (let i = 0; i < n; i++) {
    if (!lapValid[i]) continue;
    const lap = 4 * grey[i] - grey[i - 1] - grey[i + 1] - grey[i - w] - grey[i + w];
    lapSum += lap < 0 ? -lap : lap;
  }
  let difference: number | null = null;
  if (previous) {
    if (previous.length !== grey.length) throw new Error(`quality: previous grey has ${previous.length} cells, grid ${grey.length}`);
    let diffSum = 0;
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const d = grey[i] - previous[i];
      diffSum += d < 0 ? -d : d;
    }
    difference = diffSum / validCount;
  }
  return { meanLuma: lumaSum / validCount, sharpness: lapCount ? lapSum / lapCount : 0, difference };
}
