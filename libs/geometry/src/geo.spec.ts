import { geoDistanceMeters } from './index';

describe('geoDistanceMeters', () => {
  it('measures what a map measures', () => {
    // One degree of latitude is ~111.2 km anywhere; of longitude, that times cos(latitude).
    expect(geoDistanceMeters({ lat: 30, lon: 120 }, { lat: 31, lon: 120 })).toBeCloseTo(111_195, -1);
    expect(geoDistanceMeters({ lat: 60, lon: 10 }, { lat: 60, lon: 11 })).toBeCloseTo(55_597, -1);
    // Two cameras on one pond, ~300 m apart.
    const a = { lat: 30.27412, lon: 120.15508 };
    const b = { lat: 30.27412, lon: 120.15819 };
    expect(geoDistanceMeters(a, b)).toBeGreaterThan(295);
    expect(geoDistanceMeters(a, b)).toBeLessThan(305);
    expect(geoDistanceMeters(a, a)).toBe(0);
    expect(geoDistanceMeters(a, b)).toBeCloseTo(geoDistanceMeters(b, a), 9);
    // Antipodes: half the circumference, no NaN from rounding past 1.
    expect(geoDistanceMeters({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6_371_008.8, 0);
  });
});
