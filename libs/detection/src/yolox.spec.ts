import { YoloxDecoder } from './yolox';

// 64×32 input with strides 8, 16, 32: grids 8×4, 4×2, 2×1 = 32 + 8 + 2 anchors; 3 classes.
const GEOMETRY = { inputWidth: 64, inputHeight: 32, strides: [8, 16, 32], numClasses: 3, scoresActivated: true };
const STRIDE = 5 + GEOMETRY.numClasses;

/** An all-zero output (every score 0) with one anchor set. */
function outputWith(entries: { anchor: number; values: number[] }[], anchors = 42): Float32Array {
  const out = new Float32Array(anchors * STRIDE);
  for (const { anchor, values } of entries) out.set(values, anchor * STRIDE);
  return out;
}

describe('YoloxDecoder', () => {
  it('counts anchors over all strides (3549 for 416×416 at 8/16/32)', () => {
    expect(new YoloxDecoder(GEOMETRY).anchors).toBe(42);
    expect(new YoloxDecoder({ ...GEOMETRY, inputWidth: 416, inputHeight: 416, numClasses: 80 }).anchors).toBe(3549);
  });

  it('decodes centre = (grid + xy) × stride and size = exp(wh) × stride, in input pixels', () => {
    // stride-16 grid starts after the 32 stride-8 anchors; cell (gx 2, gy 1) of its 4-wide grid is 32 + 1·4 + 2
    const anchor = 32 + 6;
    const out = outputWith([{ anchor, values: [0.5, 0.5, Math.log(2), 0, 0.9, 0.1, 0.8, 0.3] }]);
    const c = new YoloxDecoder(GEOMETRY).decode(out, 0.25);
    expect(c.count).toBe(1);
    // centre (2.5·16, 1.5·16) = (40, 24); size 32 × 16
    expect(Array.from(c.boxes.subarray(0, 4))).toEqual([24, 16, 56, 32]);
    expect(c.classIds[0]).toBe(1);
    expect(c.scores[0]).toBeCloseTo(0.9 * 0.8, 6);
  });

  it('maps the first anchor of each stride and the last anchor to their cells', () => {
    const d = new YoloxDecoder(GEOMETRY);
    const centre = (anchor: number) => {
      const c = d.decode(outputWith([{ anchor, values: [0, 0, 0, 0, 1, 1, 0, 0] }]), 0.5);
      const b = c.boxes;
      return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0]];
    };
    expect(centre(0)).toEqual([0, 0, 8]);
    expect(centre(9)).toEqual([8, 8, 8]); // stride 8, row 1, column 1
    expect(centre(32)).toEqual([0, 0, 16]);
    expect(centre(40)).toEqual([0, 0, 32]);
    expect(centre(41)).toEqual([32, 0, 32]); // stride 32 grid is 2 × 1
  });

  it('keeps candidates whose objectness × best class reaches the threshold', () => {
    const out = outputWith([
      { anchor: 1, values: [0, 0, 0, 0, 0.9, 0.2, 0.3, 0.5] }, // 0.45 ≥ 0.4: kept, class 2
      { anchor: 2, values: [0, 0, 0, 0, 0.9, 0.4, 0.3, 0.2] }, // 0.36 < 0.4
      { anchor: 3, values: [0, 0, 0, 0, 0.3, 1, 1, 1] }, // objectness alone below the threshold
    ]);
    const c = new YoloxDecoder(GEOMETRY).decode(out, 0.4);
    expect(c.count).toBe(1);
    expect(c.classIds[0]).toBe(2);
    expect(c.scores[0]).toBeCloseTo(0.45, 6);
  });

  it('applies the sigmoid itself when the export did not', () => {
    const logit = (p: number) => Math.log(p / (1 - p));
    const out = outputWith([{ anchor: 5, values: [0, 0, 0, 0, logit(0.8), logit(0.1), logit(0.7), logit(0.2)] }]);
    const c = new YoloxDecoder({ ...GEOMETRY, scoresActivated: false }).decode(out, 0.3); // zero logits score 0.25
    expect(c.count).toBe(1);
    expect(c.classIds[0]).toBe(1);
    expect(c.scores[0]).toBeCloseTo(0.56, 5);
  });

  it('reuses its buffers and resets the count on each call', () => {
    const d = new YoloxDecoder(GEOMETRY);
    const first = d.decode(outputWith([{ anchor: 0, values: [0, 0, 0, 0, 1, 1, 0, 0] }]), 0.5);
    expect(first.count).toBe(1);
    expect(d.decode(outputWith([]), 0.5)).toBe(first);
    expect(first.count).toBe(0);
  });

  it('skips NaN scores and boxes with a non-finite coordinate (a broken export or execution provider)', () => {
    const ok = [0, 0, 0, 0, 0.9, 0.9, 0, 0];
    const out = outputWith([
      { anchor: 1, values: [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN] }, // NaN < threshold is false
      { anchor: 2, values: [0, 0, 0, 0, 0.9, NaN, NaN, NaN] }, // NaN class scores
      { anchor: 3, values: [0, 0, 0, 0, NaN, 0.9, 0, 0] }, // NaN objectness
      { anchor: 4, values: [0, 0, 1000, 0, 0.9, 0.9, 0, 0] }, // w = exp(1000) = Infinity
      { anchor: 5, values: [0, 0, 0, 100, 0.9, 0.9, 0, 0] }, // finite in float64, Infinity in float32
      { anchor: 6, values: [Infinity, 0, 0, 0, 0.9, 0.9, 0, 0] },
    ]);
    const d = new YoloxDecoder(GEOMETRY);
    expect(d.decode(out, 0.25).count).toBe(0);
    // a good anchor after a skipped one is kept, in its own slot
    const mixed = d.decode(outputWith([{ anchor: 4, values: [0, 0, 1000, 0, 0.9, 0.9, 0, 0] }, { anchor: 7, values: ok }]), 0.25);
    expect(mixed.count).toBe(1);
    expect(Array.from(mixed.boxes.subarray(0, 4))).toEqual([52, -4, 60, 4]); // anchor 7: cell (7, 0) of stride 8
  });

  it('rejects an output of the wrong size', () => {
    expect(() => new YoloxDecoder(GEOMETRY).decode(new Float32Array(10), 0.5)).toThrow(/10 values, expected 42 × 8/);
  });
});
