import { postprocess } from './postprocess';
import { YoloxDecoder } from './yolox';

// 64×64 input, one stride of 32 (2×2 grid), 2 classes; the picture is 128×64 scaled by 0.5 into the
// top 64×32 of the input, the rest is padding.
const decoder = new YoloxDecoder({
  inputWidth: 64,
  inputHeight: 64,
  strides: [32],
  numClasses: 2,
  scoresActivated: true,
});
const letterbox = { srcWidth: 128, srcHeight: 64, scale: 0.5, padX: 0, padY: 0 };
const OPTS = { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 10 };

function output(rows: number[][]): Float32Array {
  const out = new Float32Array(4 * 7);
  rows.forEach((r, anchor) => out.set(r, anchor * 7));
  return out;
}

describe('postprocess', () => {
  it('maps boxes out of the letterbox into normalized frame coordinates with labels', () => {
    // anchor 0: centre (16, 16), size 32×16 → input [0, 8, 32, 24] → frame [0, 0.25, 0.5, 0.75]
    const out = output([[0.5, 0.5, 0, Math.log(0.5), 0.9, 0.2, 0.8]]);
    const d = postprocess(decoder, out, letterbox, ['person', 'boat'], OPTS);
    expect(d).toHaveLength(1);
    expect(d[0].label).toBe('boat');
    expect(d[0].classId).toBe(1);
    expect(d[0].score).toBeCloseTo(0.72, 6);
    d[0].box.forEach((v, i) => expect(v).toBeCloseTo([0, 0.25, 0.5, 0.75][i], 6));
  });

  it('drops boxes lying wholly in the padding and suppresses duplicates', () => {
    const out = output([
      [0.5, 0.5, 0, Math.log(0.5), 0.9, 0.9, 0.1], // in the picture
      [-0.5, 0.5, 0, Math.log(0.5), 0.8, 0.9, 0.1], // anchor 1 (cell 1, 0) shifted onto the same box, weaker: suppressed
      [0.5, 0.5, 0, Math.log(0.5), 0.9, 0.9, 0.1], // anchor 2: cell (0, 1), centre y 48: padding only
    ]);
    const d = postprocess(decoder, out, letterbox, ['person', 'boat'], OPTS);
    expect(d.map((x) => x.label)).toEqual(['person']);
    expect(d[0].score).toBeCloseTo(0.81, 6);
  });
});
