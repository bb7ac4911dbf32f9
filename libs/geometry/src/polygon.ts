import type { BoxTuple, Point, Polygon } from './types';

/** Even-odd ray casting; points exactly on an edge may fall either way. */
export function pointInPolygon(p: Point, poly: Polygon): boolean {
  const x = p[0];
  const y = p[1];
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const xi = poly[i][0];
    const yi = poly[i][1];
    const xj = poly[j][0];
    const yj = poly[j][1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Shoelace area (absolute). */
export function polygonArea(poly: Polygon): number {
  let s = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) s += (poly[j][0] + poly[i][0]) * (poly[j][1] - poly[i][1]);
  return Math.abs(s) / 2;
}

/** Sign of the cross product (b − a) × (c − a): > 0 when c is left of a→b (in y-down screen space: clockwise). */
export function orientation(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/** True when segments p1–p2 and q1–q2 intersect (touching counts). */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = orientation(q1, q2, p1);
  const d2 = orientation(q1, q2, p2);
  const d3 = orientation(p1, p2, q1);
  const d4 = orientation(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const onSegment = (a: Point, b: Point, c: Point) =>
    Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);
  return (
    (d1 === 0 && onSegment(q1, q2, p1)) ||
    (d2 === 0 && onSegment(q1, q2, p2)) ||
    (d3 === 0 && onSegment(p1, p2, q1)) ||
    (d4 === 0 && onSegment(p1, p2, q2))
  );
}

/**
 * Index pair of the first two non-adjacent edges that intersect, or null for a simple polygon.
 * O(n²): zone polygons have tens of vertices.
 */
export function findSelfIntersection(poly: Polygon): [number, number] | null {
  const n = poly.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // adjacent edges share a vertex
      if (segmentsIntersect(poly[i], poly[(i + 1) % n], poly[j], poly[(j + 1) % n])) return [i, j];
    }
  }
  return null;
}

/**
 * Share of box `b`'s area that lies inside the simple polygon `poly` (0..1; 0 for an empty box).
 * The polygon is clipped to the box edge by edge (Sutherland–Hodgman: the box is convex, so the
 * clipped area is exact for a concave polygon too, even where the result folds onto itself).
 */
export function boxShareInPolygon(b: BoxTuple, poly: Polygon): number {
  const [x0, y0, x1, y1] = b;
  const area = (x1 - x0) * (y1 - y0);
  if (!(area > 0)) return 0;
  let pts: Polygon = poly;
  pts = clipHalfPlane(pts, 0, x0, true);
  pts = clipHalfPlane(pts, 0, x1, false);
  pts = clipHalfPlane(pts, 1, y0, true);
  pts = clipHalfPlane(pts, 1, y1, false);
  return pts.length < 3 ? 0 : Math.min(1, polygonArea(pts) / area);
}

/** The part of `pts` where coordinate `axis` is ≥ `at` (`keepAbove`) or ≤ `at`. */
function clipHalfPlane(pts: Polygon, axis: 0 | 1, at: number, keepAbove: boolean): Polygon {
  const out: Polygon = [];
  const inside = (p: Point) => (keepAbove ? p[axis] >= at : p[axis] <= at);
  for (let i = 0; i < pts.length; i++) {
    const cur = pts[i];
    const prev = pts[(i + pts.length - 1) % pts.length];
    const curIn = inside(cur);
    if (curIn !== inside(prev)) {
      const t = (at - prev[axis]) / (cur[axis] - prev[axis]);
      out.push([prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])]);
    }
    if (curIn) out.push(cur);
  }
  return out;
}
