import { bgrToNchw } from './tensor';

describe('bgrToNchw', () => {
  it('splits bgr24 HWC into B, G, R planes, keeping 0–255', () => {
    // 2×2 frame: pixel k has B = k, G = 100 + k, R = 200 + k (k = 0..3, row-major)
    const src = new Uint8Array([0, 100, 200, 1, 101, 201, 2, 102, 202, 3, 103, 203]);
    const out = bgrToNchw(src, 2, 2, new Float32Array(12));
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203]);
  });

  it('writes into the caller buffer, overwriting what was there, and returns it', () => {
    const out = new Float32Array(12).fill(-1);
    const src = new Uint8Array(12).fill(255);
    expect(bgrToNchw(src, 2, 2, out)).toBe(out);
    expect(out.every((v) => v === 255)).toBe(true);
  });

  it('keeps row-major pixel order within each plane for a non-square frame', () => {
    const w = 3;
    const h = 2;
    const src = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) src.set([p, 10 + p, 20 + p], p * 3);
    const out = bgrToNchw(src, w, h, new Float32Array(w * h * 3));
    const plane = w * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        expect([out[p], out[plane + p], out[2 * plane + p]]).toEqual([p, 10 + p, 20 + p]);
      }
    }
  });

  it('rejects a byte count that is not width × height × 3, and a short output', () => {
    expect(() => bgrToNchw(new Uint8Array(11), 2, 2, new Float32Array(12))).toThrow(/11 bytes.*2x2x3/);
    expect(() => bgrToNchw(new Uint8Array(12), 2, 2, new Float32Array(11))).toThrow(/holds 11 floats, needs 12/);
  });
});
