import { pointInPolygon, type Polygon } from '@xl/geometry';

/**
 * Rasterizes polygons given in normalized frame coordinates onto a width × height grid: 1 where a
 * cell's centre lies inside any polygon (masked out), 0 elsewhere. `region` maps the grid onto a part
 * of the frame: for a letterboxed frame only the picture area [0..contentW, 0..contentH] of the input
 * is the frame. Done once per camera and size, so the simple per-cell test is fine.
 */
export function rasterizeMask(
  polygons: Polygon[],
  width: number,
  height: number,
  region: { contentWidth: number; contentHeight: number } = { contentWidth: width, contentHeight: height },
): Uint8Array {
  const mask = new Uint8Array(width * height);
  const { contentWidth, contentHeight } = region;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Cells outside the picture (letterbox padding) are masked too: they never change.
      if (x >= contentWidth || y >= contentHeight) {
        mask[i] = 1;
        continue;
      }
      const p: [number, number] = [(x + 0.5) / contentWidth, (y + 0.5) / contentHeight];
      for (const poly of polygons) {
        if (pointInPolygon(p, poly)) {
          mask[i] = 1;
          break;
        }
      }
    }
  }
  return mask;
}
