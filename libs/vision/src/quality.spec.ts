import { bgrToGreyGrid, createGreyBuffer, createQualityGrid, measureFrameQuality } from './quality';

const W = 16;
const H = 12;

/** A bgr24 frame whose grey level at (x, y) is f(x, y) (B = G = R). */
function greyFrame(f: (x: number, y: number) => number, w = W, h = H): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
  return out;
}

describe('createQualityGrid', () => {
  it('marks a cell invalid when any pixel of its block is masked', () => {
    const mask = new Uint8Array(W * H);
    mask[1 * W + 3] = 1; // pixel (3, 1) lies in cell (1, 0) at factor 2
    const grid = createQualityGrid(mask, W, H, 2);
    expect([grid.width, grid.height]).toEqual([8, 6]);
    expect(grid.valid[1]).toBe(0);
    expect(grid.validCount).toBe(47);
    // the Laplacian needs the cell and its 4 neighbours: interior 6×4 = 24 cells, minus (1,1) below the hole
    expect(grid.lapCount).toBe(23);
  });

  it('rejects a mask of the wrong size, a mask covering everything and a grid below 3×3', () => {
    expect(() => createQualityGrid(new Uint8Array(5), W, H)).toThrow(/mask has 5 cells, frame 16x12/);
    expect(() => createQualityGrid(new Uint8Array(W * H).fill(1), W, H)).toThrow(/covers the whole 16x12/);
    expect(() => createQualityGrid(null, 4, 4, 2)).toThrow(/smaller than 3x3/);
  });
});

describe('bgrToGreyGrid', () => {
  it('skips the letterbox padding rows below the picture', () => {
    // 8×8 frame whose lower half is padding (masked): the grid reads 2 of its 4 rows.
    const mask = new Uint8Array(8 * 8);
    mask.fill(1, 8 * 4);
    const grid = createQualityGrid(mask, 8, 8, 2);
    expect(grid.rows).toBe(2);
    const frame = new Uint8Array(8 * 8 * 3).fill(100);
    frame.fill(0, 8 * 4 * 3); // padding differs; it must not matter
    const q = measureFrameQuality(frame, grid, createGreyBuffer(grid), null);
    expect(q.meanLuma).toBeCloseTo(100, 4);
  });

  it('block-averages BT.601 luma (8-bit fixed-point weights 29, 150, 77 / 256)', () => {
    const grid = createQualityGrid(null, 6, 6, 2);
    // pure blue, green and red frames: luma ≈ 0.114, 0.587, 0.299 × 200
    for (const [channel, weight] of [
      [0, 29 / 256],
      [1, 150 / 256],
      [2, 77 / 256],
    ] as const) {
      const frame = new Uint8Array(6 * 6 * 3);
      for (let i = channel; i < frame.length; i += 3) frame[i] = 200;
      const grey = bgrToGreyGrid(frame, grid, createGreyBuffer(grid));
      for (const v of grey) expect(v).toBeCloseTo(200 * weight, 4);
    }
    // a 2×2 block holding 0, 40, 80, 120 averages to 60
    const frame = greyFrame((x, y) => (x % 2) * 40 + (y % 2) * 80, 6, 6);
    expect(Array.from(bgrToGreyGrid(frame, grid, createGreyBuffer(grid)))).toEqual(new Array(9).fill(60));
  });

  it('rejects a frame of the wrong size', () => {
    const grid = createQualityGrid(null, W, H);
    expect(() => bgrToGreyGrid(new Uint8Array(10), grid, createGreyBuffer(grid))).toThrow(/10 bytes, expected 16x12x3/);
  });
});

describe('measureFrameQuality', () => {
  const grid = createQualityGrid(null, W, H, 2);

  it('mean luma follows brightness and leaves masked cells out', () => {
    expect(
      measureFrameQuality(
        greyFrame(() => 20),
        grid,
        createGreyBuffer(grid),
        null,
      ).meanLuma,
    ).toBeCloseTo(20, 4);
    // the left half is bright (a burnt-in OSD): masking it leaves the dark right half
    const frame = greyFrame((x) => (x < W / 2 ? 250 : 10));
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W / 2; x++) mask[y * W + x] = 1;
    const masked = createQualityGrid(mask, W, H, 2);
    expect(measureFrameQuality(frame, grid, createGreyBuffer(grid), null).meanLuma).toBeCloseTo(130, 4);
    expect(measureFrameQuality(frame, masked, createGreyBuffer(masked), null).meanLuma).toBeCloseTo(10, 4);
  });

  it('sharpness is 0 on a flat frame and on a linear ramp, high on a checkerboard, lower once blurred', () => {
    const q = (f: Uint8Array) => measureFrameQuality(f, grid, createGreyBuffer(grid), null).sharpness;
    expect(q(greyFrame(() => 128))).toBe(0);
    expect(q(greyFrame((x) => 10 * x))).toBeCloseTo(0, 4); // the Laplacian of a ramp is 0
    // 2×2-pixel checker cells = one grid cell each: |4·200 − 4·0| = 800 at every interior cell
    const checker = (x: number, y: number) => (((x >> 1) + (y >> 1)) % 2 ? 200 : 0);
    expect(q(greyFrame(checker))).toBeCloseTo(800, 3);
    // a 3×3 box blur of the checker (in pixels) lowers it
    const blurred = greyFrame((x, y) => {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) s += checker(Math.max(0, x + dx), Math.max(0, y + dy));
      return Math.round(s / 9);
    });
    expect(q(blurred)).toBeLessThan(0.5 * 800);
  });

  it('an edge at the mask border does not count as sharpness', () => {
    // picture flat at 50, padding (masked) at 114: the step between them is not picture detail
    const mask = new Uint8Array(W * H);
    for (let y = 8; y < H; y++) for (let x = 0; x < W; x++) mask[y * W + x] = 1;
    const padded = createQualityGrid(mask, W, H, 2);
    const frame = greyFrame((_x, y) => (y < 8 ? 50 : 114));
    expect(measureFrameQuality(frame, padded, createGreyBuffer(padded), null).sharpness).toBe(0);
    expect(measureFrameQuality(frame, grid, createGreyBuffer(grid), null).sharpness).toBeGreaterThan(10);
  });

  it('difference is null without a previous frame, 0 for a repeat, the mean change otherwise, masks excluded', () => {
    const a = greyFrame((x, y) => (x * 7 + y * 13) % 200);
    const gA = createGreyBuffer(grid);
    expect(measureFrameQuality(a, grid, gA, null).difference).toBeNull();
    const gA2 = createGreyBuffer(grid);
    expect(measureFrameQuality(a, grid, gA2, gA).difference).toBe(0);
    const b = greyFrame((x, y) => ((x * 7 + y * 13) % 200) + 6);
    expect(measureFrameQuality(b, grid, createGreyBuffer(grid), gA).difference).toBeCloseTo(6, 4);
    // only a masked clock changes: no difference once masked
    const clock = greyFrame((x, y) => (x < 4 && y < 2 ? 255 : (x * 7 + y * 13) % 200));
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) mask[y * W + x] = 1;
    const masked = createQualityGrid(mask, W, H, 2);
    const prev = createGreyBuffer(masked);
    measureFrameQuality(a, masked, prev, null);
    expect(measureFrameQuality(clock, masked, createGreyBuffer(masked), prev).difference).toBe(0);
    expect(measureFrameQuality(clock, grid, createGreyBuffer(grid), gA).difference).toBeGreaterThan(1);
  });

  it('rejects a previous grey buffer of another grid', () => {
    const frame = greyFrame(() => 1);
    expect(() => measureFrameQuality(frame, grid, createGreyBuffer(grid), new Float32Array(3))).toThrow(
      /previous grey has 3 cells/,
    );
  });
});
