import sharp from 'sharp';
import { renderPicture, renderSnapshot, snapshotCaption } from './snapshot';

describe('renderPicture', () => {
  it('encodes the picture rows of a letterboxed bgr24 frame in their colours, padding left out', async () => {
    // 8×8 frame holding an 8×4 picture: blue in bgr24 on top, the pad value 114 below.
    const frame = new Uint8Array(8 * 8 * 3).fill(114);
    for (let i = 0; i < 8 * 4; i++) frame.set([255, 0, 0], i * 3);
    const jpeg = await renderPicture(frame, 8, { srcWidth: 16, srcHeight: 8, scale: 0.5, padX: 0, padY: 0 }, 95);
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([8, 4]);
    const [r, g, b] = data;
    expect(b).toBeGreaterThan(200); // blue stays blue: the channels were swapped for sharp's RGB
    expect(r).toBeLessThan(40);
    expect(g).toBeLessThan(40);
  });

  it('copies the frame before it returns, so the caller may reuse the buffer at once', async () => {
    const frame = new Uint8Array(4 * 4 * 3).fill(200);
    const pending = renderPicture(frame, 4, { srcWidth: 4, srcHeight: 4, scale: 1, padX: 0, padY: 0 }, 95);
    frame.fill(0);
    const { data } = await sharp(await pending).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(180);
  });
});

describe('snapshotCaption', () => {
  it('names the camera and the capture time in the given zone, nothing language-bound', () => {
    const at = Date.UTC(2026, 10, 30, 14, 23, 2, 500);
    expect(snapshotCaption('青山塘 1 号', at, 'Asia/Shanghai')).toBe('青山塘 1 号 · 2026-11-30 22:23:02');
    expect(snapshotCaption('pond', at, 'UTC')).toBe('pond · 2026-11-30 14:23:02');
  });
});

describe('renderSnapshot', () => {
  it('draws box labels red with a dark halo, readable on water', async () => {
    // A 416×234 picture of water blue (bgr24) in a 416×416 letterboxed frame.
    const frame = new Uint8Array(416 * 416 * 3).fill(114);
    for (let i = 0; i < 416 * 234; i++) frame.set([200, 120, 30], i * 3);
    const letterbox = { srcWidth: 640, srcHeight: 360, scale: 0.65, padX: 0, padY: 0 };
    const jpeg = await renderSnapshot({ data: frame, width: 416, height: 416, letterbox, zones: [], boxes: [{ box: [0.3, 0.4, 0.4, 0.5], label: 'person', trackId: 6, score: 0.29 }], caption: 'pond' });
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([416, 234]);
    // The label's band: above the box's top edge (y = 0.4 × 234 ≈ 94), from its left edge on.
    let red = 0;
    let dark = 0;
    for (let y = 80; y < 93; y++) {
      for (let x = 125; x < 215; x++) {
        const [r, g, b] = data.subarray((y * info.width + x) * 3);
        if (r > 150 && r > g + 70 && r > b + 70) red++;
        if (r < 70 && g < 70 && b < 70) dark++;
      }
    }
    expect(red).toBeGreaterThan(20);
    expect(dark).toBeGreaterThan(20);
  });
});
