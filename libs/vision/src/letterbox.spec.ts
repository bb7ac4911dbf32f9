import { computeLetterbox, inputBoxToFrame, letterboxContentSize, pictureRows, rasterizeMask } from './index';

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

  it('stores only the picture rows of a landscape frame, every row of a portrait one', () => {
    expect(pictureRows(computeLetterbox(640, 360, 416, 416), 416, 416)).toBe(234);
    expect(pictureRows(computeLetterbox(1280, 720, 416, 416), 416, 416)).toBe(234);
    expect(pictureRows(computeLetterbox(360, 640, 416, 416), 416, 416)).toBe(416);
    expect(pictureRows(computeLetterbox(416, 416, 416, 416), 416, 416)).toBe(416);
  });

  it('rejects an empty source', () => {
    expect(() => computeLetterbox(0, 360, 416, 416)).toThrow(/0x360/);
  });

  it('masks polygons and the letterbox padding', () => {
    const mask = rasterizeMask([[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]], 4, 4, { contentWidth: 4, contentHeight: 2 });
    // rows 0-1 are picture: left half of row 0 masked; rows 2-3 are padding
    expect(Array.from(mask)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
