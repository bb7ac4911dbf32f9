import type { Box, Letterbox } from '@xl/contracts';

/** Letterbox of a srcWidth × srcHeight picture into inputWidth × inputHeight, image top-left (YOLOX). */
export function computeLetterbox(srcWidth: number, srcHeight: number, inputWidth: number, inputHeight: number): Letterbox {
  if (!(srcWidth > 0 && srcHeight > 0)) throw new Error(`letterbox: source size ${srcWidth}x${srcHeight} must be positive`);
  const scale = Math.min(inputWidth / srcWidth, inputHeight / srcHeight);
  return { srcWidth, srcHeight, scale, padX: 0, padY: 0 };
}

/** Size in input pixels of the picture inside the letterbox (the rest is padding). */
export function letterboxContentSize(lb: Letterbox): { width: number; height: number } {
  return { width: Math.round(lb.srcWidth * lb.scale), height: Math.round(lb.srcHeight * lb.scale) };
}

/**
 * Box in input pixels → normalized 0..1 frame coordinates, clamped to the picture. Divides by the
 * rounded picture size: that is what ffmpeg scaled the picture to, and what masks, zones drawn on
 * snapshots and the quality grids take as the picture (340 rows, not 340.36, for 704×576).
 */
export function inputBoxToFrame(x0: number, y0: number, x1: number, y1: number, lb: Letterbox): Box {
  const content = letterboxContentSize(lb);
  const sx = 1 / content.width;
  const sy = 1 / content.height;
  const clamp = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
  return [clamp((x0 - lb.padX) * sx), clamp((y0 - lb.padY) * sy), clamp((x1 - lb.padX) * sx), clamp((y1 - lb.padY) * sy)];
}

/**
 * Rows of a letterboxed frame that hold picture, from the top. With the picture placed top-left, a
 * landscape camera's padding is whole rows at the bottom, which need not be stored or sent; when the
 * padding is at the right (portrait) every row holds picture.
 */
export function pictureRows(lb: Letterbox, width: number, height: number): number {
  const content = letterboxContentSize(lb);
  return lb.padX === 0 && lb.padY === 0 && content.width >= width ? Math.min(height, content.height) : height;
}
