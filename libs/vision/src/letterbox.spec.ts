import { computeLetterbox, createQualityGrid, hasUnmaskedBlock, inputBoxToFrame, letterboxContentSize, MotionDetector, pictureRows, rasterizeMask } from './index';

describe('letterbox', () => {
  it('fits a 16:9 picture top-left into 416×416', () => {
    const lb = computeLetterbox(640, 360, 416, 416);
    expect(lb.scale).toBeCloseTo(0.65);
    expect(letterboxContentSize(lb)).toEqual({ width: 416, height: 234 });
    expect(inputBoxToFrame(0, 0, 416, 234, lb)).toEqual([0, 0, 1, 1]);
    const b = inputBoxToFrame(104, 117, 208, 500, lb);
    expect(b[0]).toBeCloseTo(0.25);
    expect(b[1]).toBeCloseTo(0.5);
    expect(b[3]).toBe(1); // clamped: the padding is not picture
  });

  it('maps boxes with the rounded picture size, as ffmpeg scaled it (704×576: 340 rows, not 340.36)', () => {
    const lb = computeLetterbox(704, 576, 416, 416);
    expect(lb.srcHeight * lb.scale).toBeCloseTo(340.36, 2);
    expect(letterboxContentSize(lb)).toEqual({ width: 416, height: 340 });
    // the last picture row ends at 340: the bottom of the picture, where masks and snapshots end it
    expect(inputBoxToFrame(0, 170, 416, 340, lb)).toEqual([0, 0.5, 1, 1]);
    // a panorama, where the rounding is a larger share of its few rows: 64.48 → 64
    const wide = computeLetterbox(2000, 310, 416, 416);
    expect(letterboxContentSize(wide).height).toBe(64);
    expect(inputBoxToFrame(0, 0, 416, 64, wide)).toEqual([0, 0, 1, 1]);
  });

  it('stores only the picture rows of a landscape frame, every row of a portrait one', () => {
    expect(pictureRows(computeLetterbox(640, 360, 416, 416), 416, 416)).toBe(234);
    expect(pictureRows(computeLetterbox(1280, 720, 416, 416), 416, 416)).toBe(234);
    expect(pictureRows(computeLetterbox(360, 640, 416, 416), 416, 416)).toBe(416);
    expect(pictureRows(computeLetterbox(416, 416, 416, 416), 416, 416)).toBe(416);
  });

  it('rejects an empty source', () => {
    expect(() => computeLetterbox(0, 360, 416, 416)).toThrow(/0x360/);
  });

  it('tells whether masks leave a whole grid block free, as the motion and quality grids count them', () => {
    const lb = computeLetterbox(640, 360, 416, 416); // 416 × 234 of picture
    const region = { contentWidth: 416, contentHeight: 234 };
    const leaves = (masks: [number, number][][]) => hasUnmaskedBlock(masks, 416, 416, 8, region);
    const motionBuilds = (masks: [number, number][][]) => {
      try {
        return new MotionDetector({ width: 416, height: 416, letterbox: lb, masks, threshold: 12 }).cellCount > 0;
      } catch {
        return false; // createQualityGrid: the mask covers the whole frame
      }
    };
    const cases: [number, number][][][] = [
      [],
      [[[0, 0], [1, 0], [1, 1], [0, 1]]], // the whole picture
      [[[0, 0], [1, 0], [1, 0.97], [0, 0.97]]], // 7 rows left: less than one 8-row block
      [[[0, 0], [1, 0], [1, 0.9], [0, 0.9]]], // 23 rows left: two block rows
      [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]], [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]], // two halves
      [[[0, 0], [0.99, 0], [0.99, 1], [0, 1]]], // a 4-pixel column: no whole block
      [[[0, 0], [0.95, 0], [0.95, 1], [0, 1]]], // a 20-pixel column
    ];
    expect(cases.map(leaves)).toEqual([true, false, false, true, false, false, true]);
    expect(cases.map(leaves)).toEqual(cases.map(motionBuilds));
    // the analyzer's quality grid (2×2 blocks) agrees at its own factor
    for (const masks of cases) {
      const mask = rasterizeMask(masks, 416, 416, region);
      let builds = true;
      try {
        createQualityGrid(mask, 416, 416);
      } catch {
        builds = false;
      }
      expect([masks, hasUnmaskedBlock(masks, 416, 416, 2, region)]).toEqual([masks, builds]);
    }
  });

  it('masks polygons and the letterbox padding', () => {
    const mask = rasterizeMask([[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]], 4, 4, { contentWidth: 4, contentHeight: 2 });
    // rows 0-1 are picture: left half of row 0 masked; rows 2-3 are padding
    expect(Array.from(mask)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
