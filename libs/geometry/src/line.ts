import { orientation, segmentsIntersect } from './polygon';
import type { Point } from './types';

/**
 * Which way a movement prev → next crossed the directed segment a → b, or null when it did not.
 * Left and right are as a walker along a → b on the screen sees them: for a line drawn left to right
 * across the picture, "left" is the upper side.
 */
export function lineCrossing(a: Point, b: Point, prev: Point, next: Point): 'left_to_right' | 'right_to_left' | null {
  if (!segmentsIntersect(a, b, prev, next)) return null;
  const before = orientation(a, b, prev);
  const after = orientation(a, b, next);
  if (before === after || (before >= 0 && after >= 0) || (before <= 0 && after <= 0)) return null;
  // y points down on screen, so a negative cross product is the walker's left.
  return before < 0 ? 'left_to_right' : 'right_to_left';
}
