import { zoneNameIn } from './zone-name';

describe('zoneNameIn', () => {
  const zones = JSON.stringify([
    { id: 'pond', name: '北塘', type: 'water', polygon: [] },
    { id: 'bank', type: 'generic', polygon: [] },
    { id: 'blank', name: '  ', type: 'water', polygon: [] },
  ]);

  it("gives the zone's display name, null for a zone without one, a blank one, or one the camera no longer has", () => {
    expect(zoneNameIn(zones, 'pond')).toBe('北塘');
    expect(zoneNameIn(zones, 'bank')).toBeNull();
    expect(zoneNameIn(zones, 'blank')).toBeNull();
    expect(zoneNameIn(zones, 'gone')).toBeNull();
    expect(zoneNameIn(zones, null)).toBeNull();
    expect(zoneNameIn(null, 'pond')).toBeNull(); // the camera was deleted
  });

  it('never fails on a row it cannot read', () => {
    expect(zoneNameIn('{not json', 'pond')).toBeNull();
    expect(zoneNameIn('{"pond":"x"}', 'pond')).toBeNull();
    expect(zoneNameIn('[null, 3, {"id": 1}]', 'pond')).toBeNull();
  });
});
