import type { BoxTuple, Point } from './types';

export function boxArea(b: BoxTuple): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Intersection over union of two boxes; 0 when either is empty. */
export function iou(a: BoxTuple, b: BoxTuple): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of box `inner`'s area that lies inside box `outer` (0..1); 0 when `inner` is empty. */
export function containedShare(inner: BoxTuple, outer: BoxTuple): number {
  const iw = Math.min(inner[2], outer[2]) - Math.max(inner[0], outer[0]);
  const ih = Math.min(inner[3], outer[3]) - Math.max(inner[1], outer[1]);
  const area = boxArea(inner);
  return iw > 0 && ih > 0 && area > 0 ? (iw * ih) / area : 0;
}

/** Bottom-centre of a box: where a standing person touches the ground. */
export function footPoint(b: BoxTuple): Point {
  return [(b[0] + b[2]) / 2, b[3]];
}

export function centerPoint(b: BoxTuple): Point {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}
