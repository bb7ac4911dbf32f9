/** A place on the earth: WGS-84 degrees. */
export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Mean earth radius (IUGG), metres: the haversine's error against the ellipsoid is under 0.5 %. */
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine): what "the next camera is 300 m down the river" means. */
export function geoDistanceMeters(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
