export type { Point, Polygon, BoxTuple } from './types';
export { boxArea, containedShare, iou, footPoint, centerPoint } from './box';
export { pointInPolygon, polygonArea, orientation, segmentsIntersect, findSelfIntersection, boxShareInPolygon } from './polygon';
export { lineCrossing } from './line';
export { geoDistanceMeters, type GeoPoint } from './geo';
