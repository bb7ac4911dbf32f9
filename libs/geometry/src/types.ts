/** A point [x, y]; in this project normally in normalized 0..1 frame coordinates. */
export type Point = [number, number];
/** A polygon as its vertices in order; closed implicitly (last joins first). */
export type Polygon = Point[];
/** Axis-aligned box [x0, y0, x1, y1] with x0 ≤ x1, y0 ≤ y1. */
export type BoxTuple = [number, number, number, number];
