import { createGreyBuffer, createQualityGrid, bgrToGreyGrid } from './quality';
import { rasterizeMask } from './mask';
import { layoutCorrelation, meanChroma, MIN_LAYOUT_BLOCKS, sceneLayout } from './scene';

const W = 208;
const H = 120;

/** A bgr24 frame whose grey level at (x, y) is f(x, y). */
function frameOf(f: (x: number, y: number) => number, bgr: (g: number) => [number, number, number] = (g) => [g, g, g]): Uint8Array {
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.set(bgr(Math.max(0, Math.min(255, Math.round(f(x, y))))), (y * W + x) * 3);
  return out;
}
/** A scene with structure at several scales: a bright band (sky), a dark block (building), a gradient. */
const scene = (dx = 0, dy = 0) => (x: number, y: number) => {
  const u = x + dx;
  const v = y + dy;
  return (v < 40 ? 200 : 90) + (u > 60 && u < 120 && v > 50 ? -60 : 0) + u * 0.2;
};

function layoutOf(frame: Uint8Array, mask: Uint8Array | null = null): Float32Array {
  const grid = createQualityGrid(mask, W, H);
  const grey = bgrToGreyGrid(frame, grid, createGreyBuffer(grid));
  return sceneLayout(grey, grid, 8);
}

describe('sceneLayout and layoutCorrelation', () => {
  it('gives 1 for the same view under other brightness and contrast, and far less for a tilted and turned view', () => {
    const base = layoutOf(frameOf(scene()));
    expect(base.length).toBe(13 * 7); // 104×60 grid cells in blocks of 8
    expect(layoutCorrelation(base, layoutOf(frameOf((x, y) => 0.6 * scene()(x, y) + 30)))).toBeCloseTo(1, 5);
    const shifted = layoutCorrelation(base, layoutOf(frameOf(scene(50, 30))));
    expect(shifted).not.toBeNull();
    expect(shifted!).toBeLessThan(0.6);
  });

  it('leaves masked blocks out and says nothing of a featureless picture or too few blocks', () => {
    const mask = new Uint8Array(W * H);
    mask.fill(1, 0, W * 32); // the top two block rows masked (16 px blocks): NaN, not compared
    const masked = layoutOf(frameOf(scene()), mask);
    expect(Number.isNaN(masked[0])).toBe(true);
    expect(layoutCorrelation(masked, layoutOf(frameOf(scene())))).toBeCloseTo(1, 5);
    expect(layoutCorrelation(layoutOf(frameOf(scene())), layoutOf(frameOf(() => 12)))).toBeNull(); // covered lens
    const few = new Float32Array(MIN_LAYOUT_BLOCKS - 1).map((_, i) => i * 10);
    expect(layoutCorrelation(few, few)).toBeNull();
    expect(layoutCorrelation(new Float32Array(4), new Float32Array(5))).toBeNull();
  });

  it('meanChroma tells an infrared grey picture from a colour one, even a dark colour one', () => {
    const grid = createQualityGrid(null, W, H);
    expect(meanChroma(frameOf(scene()), grid)).toBe(0);
    expect(meanChroma(frameOf(() => 30, (g) => [g + 12, g, g - 4]), grid)).toBe(16);
  });

  it('meanChroma counts only picture pixels: a pale portrait colour picture is not taken for infrared', () => {
    const S = 416;
    const pictureWidth = 234; // 9:16 at the top left, grey padding (114) at the right
    const grid = createQualityGrid(rasterizeMask([], S, S, { contentWidth: pictureWidth, contentHeight: S }), S, S);
    const frame = new Uint8Array(S * S * 3).fill(114);
    for (let y = 0; y < S; y++) for (let x = 0; x < pictureWidth; x++) frame.set([106, 100, 100], (y * S + x) * 3); // spread 6
    expect(meanChroma(frame, grid)).toBe(6); // the padding counted: 3.46, 'mono'
    // A masked on-screen clock of white text is not counted either.
    const clock: Array<[number, number]> = [[0, 0], [0.3, 0], [0.3, 0.1], [0, 0.1]];
    const masked = createQualityGrid(rasterizeMask([clock], S, S, { contentWidth: pictureWidth, contentHeight: S }), S, S);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 70; x++) frame.set([255, 0, 255], (y * S + x) * 3);
    expect(meanChroma(frame, masked)).toBe(6);
  });
});
