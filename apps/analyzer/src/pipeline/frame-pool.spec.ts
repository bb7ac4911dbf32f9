import { FramePool } from './frame-pool';

describe('FramePool', () => {
  it('hands out frames padded below the picture rows and reuses released ones', () => {
    const pool = new FramePool();
    const frame = pool.acquire(4, 3, 2); // 2 picture rows of 4 pixels, 1 padding row
    expect(frame.length).toBe(36);
    expect(Array.from(frame.subarray(24))).toEqual(new Array(12).fill(114));
    frame.fill(7, 0, 24);
    pool.release(frame, 4, 3, 2);
    const again = pool.acquire(4, 3, 2);
    expect(again).toBe(frame);
    expect(again[30]).toBe(114);
    // Another shape never gets it.
    expect(pool.acquire(4, 3, 1)).not.toBe(frame);
  });

  it('keeps full frames too, ignores buffers of the wrong size and refuses impossible row counts', () => {
    const pool = new FramePool();
    const full = pool.acquire(4, 3, 3);
    pool.release(full, 4, 3, 3);
    expect(pool.acquire(4, 3, 3)).toBe(full);
    pool.release(new Uint8Array(10), 4, 3, 2);
    expect(pool.acquire(4, 3, 2).length).toBe(36);
    expect(() => pool.acquire(4, 3, 4)).toThrow('frame pool: 4 picture rows in a frame of 3');
  });
});
