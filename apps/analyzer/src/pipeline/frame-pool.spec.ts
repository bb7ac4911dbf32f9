import { FramePool } from './frame-pool';

describe('FramePool', () => {
  it('restores the padding rows below the stored picture and reuses released buffers', () => {
    const pool = new FramePool();
    const picture = new Uint8Array(4 * 2 * 3).fill(7); // 2 rows of 4 pixels
    const frame = pool.expand(picture, 4, 3, 2);
    expect(Array.from(frame.subarray(0, 24))).toEqual(new Array(24).fill(7));
    expect(Array.from(frame.subarray(24))).toEqual(new Array(12).fill(114));
    pool.release(frame, 4, 3, 2);
    const again = pool.expand(new Uint8Array(24).fill(9), 4, 3, 2);
    expect(again).toBe(frame);
    expect(again[0]).toBe(9);
    expect(again[30]).toBe(114);
  });

  it('passes a full frame through and rejects bytes that are not whole rows', () => {
    const pool = new FramePool();
    const full = new Uint8Array(4 * 3 * 3);
    expect(pool.expand(full, 4, 3, 3)).toBe(full);
    expect(() => pool.expand(new Uint8Array(10), 4, 3, 2)).toThrow('frame pool: 10 bytes are not 2 rows of 4 bgr24 pixels');
  });
});
