import { computeLetterbox } from './letterbox';
import { MotionDetector } from './motion';

const S = 416;
const lb = computeLetterbox(640, 360, S, S); // picture 416×234 at the top, grey padding below

/** A letterboxed bgr24 frame: a textured background in the picture, 114 grey padding. */
function background(): Uint8Array {
  const f = new Uint8Array(S * S * 3).fill(114);
  for (let y = 0; y < 234; y++)
    for (let x = 0; x < S; x++) {
      const v = 60 + ((x * 7 + y * 3) % 90);
      f.fill(v, (y * S + x) * 3, (y * S + x) * 3 + 3);
    }
  return f;
}

function paintBlock(f: Uint8Array, x0: number, y0: number, size: number, bgr: [number, number, number]): Uint8Array {
  const out = f.slice();
  for (let y = y0; y < y0 + size; y++)
    for (let x = x0; x < x0 + size; x++) out.set(bgr, (y * S + x) * 3);
  return out;
}

/** Deterministic noise of ±amplitude on every channel. */
function noisy(f: Uint8Array, amplitude: number, seed: number): Uint8Array {
  let s = seed;
  const out = f.slice();
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const v = out[i] + ((s % (2 * amplitude + 1)) - amplitude);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

const detector = (masks: [number, number][][] = []) => new MotionDetector({ width: S, height: S, letterbox: lb, masks, threshold: 12 });

describe('MotionDetector', () => {
  it('scores the first frame 0 and an identical frame 0', () => {
    const d = detector();
    const bg = background();
    expect(d.update(bg)).toBe(0);
    expect(d.update(bg.slice())).toBe(0);
  });

  it('measures the grey-level change: 0 for a repeated picture, above 0 for noise alone, null after reset', () => {
    const d = detector();
    const bg = background();
    d.update(bg);
    expect(d.difference).toBeNull(); // nothing to compare with yet
    d.update(bg.slice());
    expect(d.difference).toBe(0); // a frozen camera repeats its picture
    d.update(noisy(background(), 10, 7));
    // live sensor noise moves cell means a little without counting as motion
    expect(d.difference!).toBeGreaterThan(0.1);
    d.reset();
    expect(d.difference).toBeNull();
  });

  it('ignores sensor noise below the threshold', () => {
    const d = detector();
    d.update(noisy(background(), 10, 1));
    for (let k = 2; k < 6; k++) expect(d.update(noisy(background(), 10, k))).toBe(0);
  });

  it('sees a moving block, in proportion to its size', () => {
    const d = detector();
    const bg = background();
    d.update(paintBlock(bg, 40, 40, 32, [20, 200, 20]));
    const score = d.update(paintBlock(bg, 120, 80, 32, [20, 200, 20]));
    // the block left 4×4 cells and entered 4×4 others: 32 of 52×29 counted cells (≈ 2 %)
    expect(score).toBeGreaterThan(0.015);
    expect(score).toBeLessThan(0.03);
    expect(score).toBeGreaterThan(0.002); // the default minChangedFraction
  });

  it('does not count motion inside a mask', () => {
    // mask the top-left quarter of the camera picture (normalized picture coordinates)
    const d = detector([[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]]);
    const bg = background();
    d.update(paintBlock(bg, 16, 16, 24, [255, 255, 255]));
    expect(d.update(paintBlock(bg, 120, 40, 24, [255, 255, 255]))).toBe(0);
    expect(d.update(paintBlock(bg, 260, 150, 24, [255, 255, 255]))).toBeGreaterThan(0);
  });

  it('never counts the letterbox padding', () => {
    const d = detector();
    const bg = background();
    d.update(bg);
    expect(d.update(paintBlock(bg, 100, 300, 80, [0, 0, 0]))).toBe(0);
    expect(d.cellCount).toBe(52 * 29); // rows 0..231 only; the cell row holding 232–239 touches padding
  });

  it('samples every pixel with step 1 and rejects frames of the wrong size', () => {
    const d = new MotionDetector({ width: S, height: S, letterbox: lb, masks: [], threshold: 12, step: 1 });
    const bg = background();
    d.update(bg);
    // a single changed pixel per cell moves its mean by 200/64 ≈ 3 < 12: no motion; a whole cell does
    const one = bg.slice();
    one.set([255, 255, 255], (9 * S + 9) * 3);
    expect(d.update(one)).toBe(0);
    expect(d.update(paintBlock(bg, 8, 8, 8, [255, 255, 255]))).toBeCloseTo(1 / (52 * 29));
    expect(() => d.update(new Uint8Array(10))).toThrow(/10 bytes/);
    expect(() => new MotionDetector({ width: S, height: S, letterbox: lb, masks: [], threshold: 12, step: 9 })).toThrow(/step 9/);
  });

  it('forgets the previous frame on reset', () => {
    const d = detector();
    d.update(background());
    d.reset();
    expect(d.update(paintBlock(background(), 0, 0, 100, [0, 0, 0]))).toBe(0);
  });
});
