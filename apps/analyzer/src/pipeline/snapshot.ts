import sharp from 'sharp';
import type { AlertBox, Letterbox } from '@xl/contracts';
import type { Polygon } from '@xl/geometry';
import { letterboxContentSize } from '@xl/vision';

export interface SnapshotInput {
  /** bgr24 letterboxed frame as the analyzer received it. */
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
  boxes: AlertBox[];
  /** Zone polygons to outline (normalized frame coordinates). */
  zones: { id: string; polygon: Polygon }[];
  caption: string;
}

/**
 * The snapshot's burned-in line: which camera and when, in the camera's time zone (its `timezone`) —
 * what a picture forwarded on its own (webhook, MQTT, a chat group) needs. No rule prose: it would be
 * in one language in a picture that both zh-CN and English screens show, and at 416 px a sentence
 * does not fit; the zone outline and the boxes show what happened, the alert's text says it.
 */
export function snapshotCaption(cameraName: string, capturedAt: number, timeZone?: string): string {
  // sv-SE writes 2026-11-30 22:23:02, the form Chinese OSDs and logs use too.
  const when = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(capturedAt);
  return `${cameraName} · ${when}`;
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The picture part of a letterboxed bgr24 frame as RGB (what sharp reads raw), padding cropped away.
 * Copied synchronously: the caller may hand the frame's buffer back to its pool right after the call.
 */
function pictureRgb(data: Uint8Array, width: number, letterbox: Letterbox): { rgb: Buffer; width: number; height: number } {
  const { width: cw, height: ch } = letterboxContentSize(letterbox);
  const rowBytes = width * 3;
  const rgb = Buffer.allocUnsafe(cw * ch * 3);
  for (let y = 0; y < ch; y++) {
    let s = y * rowBytes;
    let d = y * cw * 3;
    for (let x = 0; x < cw; x++, s += 3, d += 3) {
      rgb[d] = data[s + 2];
      rgb[d + 1] = data[s + 1];
      rgb[d + 2] = data[s];
    }
  }
  return { rgb, width: cw, height: ch };
}

/**
 * The camera's plain picture as the analyzer saw it (no drawing), for the console's camera wall: the
 * frame is copied before the first await, so the caller may release it as soon as this returns.
 */
export function renderPicture(data: Uint8Array, width: number, letterbox: Letterbox, quality = 75): Promise<Buffer> {
  const picture = pictureRgb(data, width, letterbox);
  return sharp(picture.rgb, { raw: { width: picture.width, height: picture.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * Annotated JPEG: the picture part of the letterboxed frame with the zone outlined and the boxes
 * drawn. The letterbox padding is cropped away so the snapshot shows the camera's picture only.
 */
export async function renderSnapshot(input: SnapshotInput): Promise<Buffer> {
  const { rgb, width: cw, height: ch } = pictureRgb(input.data, input.width, input.letterbox);
  const px = (v: number, size: number) => (v * size).toFixed(1);
  const zones = input.zones
    .map((z) => `<polygon points="${z.polygon.map(([x, y]) => `${px(x, cw)},${px(y, ch)}`).join(' ')}" fill="rgba(0,120,255,0.18)" stroke="#1e90ff" stroke-width="2"/>`)
    .join('');
  const boxes = input.boxes
    .map((b) => {
      const [x0, y0, x1, y1] = b.box;
      const label = escapeXml(`${b.label}${b.trackId !== undefined ? ` #${b.trackId}` : ''} ${(b.score * 100).toFixed(0)}%`);
      // A dark halo keeps the red label readable on water, sky and sand alike.
      return (
        `<rect x="${px(x0, cw)}" y="${px(y0, ch)}" width="${px(x1 - x0, cw)}" height="${px(y1 - y0, ch)}" fill="none" stroke="#ff2d2d" stroke-width="2"/>` +
        `<text x="${px(x0, cw)}" y="${Math.max(10, y0 * ch - 3).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#ff2d2d" stroke="#000" stroke-width="2.5" stroke-opacity="0.75" paint-order="stroke">${label}</text>`
      );
    })
    .join('');
  const caption = `<rect x="0" y="${ch - 16}" width="${cw}" height="16" fill="rgba(0,0,0,0.55)"/><text x="4" y="${ch - 4}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#fff">${escapeXml(input.caption)}</text>`;
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${cw}" height="${ch}">${zones}${boxes}${caption}</svg>`);
  return sharp(rgb, { raw: { width: cw, height: ch, channels: 3 } })
    .composite([{ input: svg, top: 0, left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}
