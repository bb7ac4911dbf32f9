import { pointInPolygon, type Polygon } from '@xl/geometry';

/** Size in grid cells of the part of the grid that is picture (the rest is letterbox padding). */
export interface MaskRegion {
  contentWidth: number;
  contentHeight: number;
}

/**
 * rasterizeMask's rule for one cell: padding, or a centre inside any polygon. Each polygon's bounding
 * box is tested first, which spares most point-in-polygon tests (a clock mask is a small corner).
 */
function maskTest(polygons: Polygon[], region: MaskRegion): (x: number, y: number) => boolean {
  const { contentWidth, contentHeight } = region;
  const bounds = polygons.map((poly) => {
    const xs = poly.map((q) => q[0]);
    const ys = poly.map((q) => q[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  });
  const p: [number, number] = [0, 0];
  return (x, y) => {
    // Cells outside the picture (letterbox padding) are masked too: they never change.
    if (x >= contentWidth || y >= contentHeight) return true;
    p[0] = (x + 0.5) / contentWidth;
    p[1] = (y + 0.5) / contentHeight;
    for (let k = 0; k < polygons.length; k++) {
      const b = bounds[k];
      if (p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3] && pointInPolygon(p, polygons[k])) return true;
    }
    return false;
  };
}

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
  region: MaskRegion = { contentWidth: width, contentHeight: height },
): Uint8Array {
  const mask = new Uint8Array(width * height);
  const masked = maskTest(polygons, region);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (masked(x, y)) mask[y * width + x] = 1;
  return mask;
}

/**
 * Whether rasterizing `polygons` onto width × height pixels leaves at least one whole factor × factor
 * block unmasked: the blocks createQualityGrid counts as valid (the motion grid uses factor 8). Same
 * answer as rasterizing and building the grid, but it stops at the first free block and at the first
 * masked pixel of each block, so it is cheap enough for configuration validation.
 */
export function hasUnmaskedBlock(polygons: Polygon[], width: number, height: number, factor: number, region: MaskRegion = { contentWidth: width, contentHeight: height }): boolean {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const masked = maskTest(polygons, region);
  for (let cy = 0; cy < h; cy++) {
    for (let cx = 0; cx < w; cx++) {
      let free = true;
      for (let y = cy * factor; free && y < (cy + 1) * factor; y++)
        for (let x = cx * factor; x < (cx + 1) * factor; x++)
          if (masked(x, y)) {
            free = false;
            break;
          }
      if (free) return true;
    }
  }
  return false;
}
