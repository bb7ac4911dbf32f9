// YOLOX output decoding: [1, anchors, 5 + classes] raw grid predictions → candidate boxes in input
// pixels. Anchors run over the strides in order, each grid row-major: for stride s the grid is
// (H/s) × (W/s), centre = (grid + xy) × s, size = exp(wh) × s. Score = objectness × best class.

export interface YoloxGeometry {
  inputWidth: number;
  inputHeight: number;
  strides: readonly number[];
  numClasses: number;
  /** Objectness and class scores already went through a sigmoid (true for the shipped export). */
  scoresActivated: boolean;
}

/** Candidates of one frame, in flat arrays valid up to `count`; boxes are x0, y0, x1, y1 in input pixels. */
export interface Candidates {
  count: number;
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Decoder for one model geometry: the grid and the candidate buffers are built once and reused. */
export class YoloxDecoder {
  readonly anchors: number;
  /** Per anchor: grid x, grid y, stride. */
  private readonly grid: Float32Array;
  private readonly out: Candidates;

  constructor(private readonly geometry: YoloxGeometry) {
    const { inputWidth: w, inputHeight: h, strides } = geometry;
    let anchors = 0;
    for (const s of strides) anchors += Math.floor(h / s) * Math.floor(w / s);
    this.anchors = anchors;
    this.grid = new Float32Array(anchors * 3);
    let k = 0;
    for (const s of strides) {
      const gw = Math.floor(w / s);
      const gh = Math.floor(h / s);
      for (let gy = 0; gy < gh; gy++) {
        for (let gx = 0; gx < gw; gx++, k += 3) {
          this.grid[k] = gx;
          this.grid[k + 1] = gy;
          this.grid[k + 2] = s;
        }
      }
    }
    this.out = {
      count: 0,
      boxes: new Float32Array(anchors * 4),
      scores: new Float32Array(anchors),
      classIds: new Int32Array(anchors),
    };
  }

  /**
   * Candidates scoring at least `scoreThreshold`, best class per anchor; NaN scores and boxes with a
   * non-finite coordinate are skipped. The returned object and its arrays are reused by the next call.
   */
  decode(output: Float32Array, scoreThreshold: number): Candidates {
    const { numClasses, scoresActivated } = this.geometry;
    const stride = 5 + numClasses;
    if (output.length !== this.anchors * stride) {
      throw new Error(`yolox decode: output has ${output.length} values, expected ${this.anchors} × ${stride}`);
    }
    const { grid, out } = this;
    const { boxes, scores, classIds } = out;
    let n = 0;
    for (let a = 0; a < this.anchors; a++) {
      const o = a * stride;
      const obj = scoresActivated ? output[o + 4] : sigmoid(output[o + 4]);
      // class scores are ≤ 1, so objectness bounds the score: skips most anchors cheaply. Written
      // as !(≥) so that a NaN (a broken export or execution provider) fails the check too.
      if (!(obj >= scoreThreshold)) continue;
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < numClasses; c++) {
        const v = output[o + 5 + c];
        if (v > bestScore) {
          bestScore = v;
          best = c;
        }
      }
      const score = obj * (scoresActivated ? bestScore : sigmoid(bestScore));
      if (!(score >= scoreThreshold)) continue;
      const g = a * 3;
      const s = grid[g + 2];
      const cx = (grid[g] + output[o]) * s;
      const cy = (grid[g + 1] + output[o + 1]) * s;
      const hw = Math.exp(output[o + 2]) * s * 0.5;
      const hh = Math.exp(output[o + 3]) * s * 0.5;
      const b = n * 4;
      boxes[b] = cx - hw;
      boxes[b + 1] = cy - hh;
      boxes[b + 2] = cx + hw;
      boxes[b + 3] = cy + hh;
      // Read back from float32: exp(wh) × stride / 2 overflows it from wh ≈ 88.7 − ln(stride / 2), and an infinite (or
      // NaN) box would be clamped to a full-frame one. Not counting it lets the next one overwrite it.
      if (!(Number.isFinite(boxes[b]) && Number.isFinite(boxes[b + 1]) && Number.isFinite(boxes[b + 2]) && Number.isFinite(boxes[b + 3]))) continue;
      scores[n] = score;
      classIds[n] = best;
      n++;
    }
    out.count = n;
    return out;
  }
}
