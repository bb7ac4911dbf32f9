import { boxArea, containedShare, findSelfIntersection, footPoint, iou, lineCrossing, pointInPolygon, polygonArea } from './index';
import type { Polygon } from './index';

const square: Polygon = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
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
    const l: Polygon = [
      [0, 0],
      [2, 0],
      [2, 1],
      [1, 1],
      [1, 2],
      [0, 2],
    ];
    expect(pointInPolygon([0.5, 0.5], l)).toBe(true);
    expect(pointInPolygon([1.5, 1.5], l)).toBe(false);
    expect(pointInPolygon([0.5, 1.5], l)).toBe(true);
    expect(polygonArea(l)).toBeCloseTo(3);
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
