import { boxArea, boxShareInPolygon, containedShare, findSelfIntersection, footPoint, iou, lineCrossing, pointInPolygon, polygonArea } from './index';
import type { Polygon } from './index';

const square: Polygon = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];

/** An L: concave, its notch the square [1, 2] × [1, 2]. */
const l: Polygon = [
  [0, 0],
  [2, 0],
  [2, 1],
  [1, 1],
  [1, 2],
  [0, 2],
];

describe('geometry', () => {
  it('measures how much of a box lies inside another', () => {
    expect(containedShare([1, 1, 2, 3], [0, 0, 4, 4])).toBe(1);
    expect(containedShare([0, 0, 4, 4], [1, 1, 2, 3])).toBeCloseTo(2 / 16);
    expect(containedShare([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(0.5);
    expect(containedShare([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    expect(containedShare([1, 1, 1, 2], [0, 0, 4, 4])).toBe(0); // empty inner box
  });

  it('computes IoU of overlapping, disjoint and identical boxes', () => {
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7);
    expect(iou([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    expect(iou([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(boxArea([0, 0, 0.5, 0.2])).toBeCloseTo(0.1);
  });

  it('places the foot at the bottom centre', () => {
    expect(footPoint([0.2, 0.1, 0.4, 0.9])).toEqual([0.30000000000000004, 0.9]);
  });

  it('tests points against a concave polygon', () => {
    expect(pointInPolygon([0.5, 0.5], l)).toBe(true);
    expect(pointInPolygon([1.5, 1.5], l)).toBe(false);
    expect(pointInPolygon([0.5, 1.5], l)).toBe(true);
    expect(polygonArea(l)).toBeCloseTo(3);
  });

  it('measures how much of a box lies inside a polygon, concave ones included', () => {
    expect(boxShareInPolygon([0.2, 0.2, 0.4, 0.6], square)).toBeCloseTo(1);
    expect(boxShareInPolygon([0.5, 0.5, 1.5, 1.5], square)).toBeCloseTo(0.25);
    expect(boxShareInPolygon([2, 2, 3, 3], square)).toBe(0);
    expect(boxShareInPolygon([0.2, 0.2, 0.2, 0.6], square)).toBe(0); // empty box
    const triangle: Polygon = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    expect(boxShareInPolygon([0, 0, 1, 1], triangle)).toBeCloseTo(0.5);
    // The L: the box spans the notch, a quarter of it outside the polygon.
    expect(boxShareInPolygon([0, 0, 2, 2], l)).toBeCloseTo(0.75);
    expect(boxShareInPolygon([1.2, 1.2, 1.8, 1.8], l)).toBe(0); // inside the notch
    expect(boxShareInPolygon([0.5, 0.5, 1.5, 1.5], l)).toBeCloseTo(0.75);
    // The same polygon wound the other way round.
    expect(boxShareInPolygon([0, 0, 2, 2], [...l].reverse())).toBeCloseTo(0.75);
    // A U whose two arms the box crosses: clipping joins them along the box edge, the area stays right.
    const u: Polygon = [
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
    ];
    expect(boxShareInPolygon([0, 2, 3, 3], u)).toBeCloseTo(2 / 3);
  });

  it('finds self-intersections (bow tie) and accepts simple polygons', () => {
    expect(findSelfIntersection(square)).toBeNull();
    expect(
      findSelfIntersection([
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ]),
    ).not.toBeNull();
  });

  it('reports the direction of a tripwire crossing as seen walking along the line on screen', () => {
    // Line drawn left→right across the screen: walking along it, "left" is the upper half.
    const a: [number, number] = [0, 0.5];
    const b: [number, number] = [1, 0.5];
    expect(lineCrossing(a, b, [0.5, 0.4], [0.5, 0.6])).toBe('left_to_right'); // downwards
    expect(lineCrossing(a, b, [0.5, 0.6], [0.5, 0.4])).toBe('right_to_left'); // upwards
    expect(lineCrossing(a, b, [0.5, 0.4], [0.6, 0.45])).toBeNull();
    expect(lineCrossing(a, b, [1.5, 0.4], [1.5, 0.6])).toBeNull(); // beyond the segment's end
  });
});
