import '../testing/nest-esm';
import type { Principal } from '../shared/principal';
import { canEditCamera, ScopeAccessPolicy } from './scope-access-policy';

const policy = new ScopeAccessPolicy();
const who = (p: Partial<Principal>): Principal => ({ kind: 'user', id: 'u', name: 'u', role: 'operator', regionIds: [], cameraIds: [], waters: [], ...p });
const pond = { cameraId: 'cam-pond', regionPath: ['city', 'county-a', 'town-a1', 'vil-1'] };

describe('ScopeAccessPolicy', () => {
  it.each([
    ['admin sees everything', who({ role: 'admin' }), true],
    ['operator of an ancestor region', who({ regionIds: ['county-a'] }), true],
    ['operator of the camera region', who({ regionIds: ['vil-1'] }), true],
    ['operator of a sibling region', who({ regionIds: ['town-a2'] }), false],
    ['operator of a descendant-only region does not see up the tree', who({ regionIds: ['vil-1-east'] }), false],
    ['viewer of the city', who({ role: 'viewer', regionIds: ['city'] }), true],
    ['school with the camera', who({ role: 'school', cameraIds: ['cam-pond'] }), true],
    ['school without the camera', who({ role: 'school', cameraIds: ['cam-other'] }), false],
    ['school whose record wrongly carries a region still sees only its cameras', who({ role: 'school', regionIds: ['city'], cameraIds: ['cam-other'] }), false],
    ['operator with an explicit camera', who({ cameraIds: ['cam-pond'] }), true],
    ['nobody without scope', who({}), false],
  ])('%s', (_name, principal, visible) => {
    expect(policy.canSee(principal, pond)).toBe(visible);
  });

  it("shows a school with waters only those zones' alerts and the camera's health alerts", () => {
    const school = who({ role: 'school', cameraIds: ['cam-pond', 'cam-gate'], waters: ['cam-pond/pond'] });
    expect(policy.canSee(school, { ...pond, alert: { zoneId: 'pond', rule: 'vanish_in_water' } })).toBe(true);
    expect(policy.canSee(school, { ...pond, alert: { zoneId: 'square', rule: 'crowd' } })).toBe(false);
    expect(policy.canSee(school, { ...pond, alert: { zoneId: null, rule: 'line_cross' } })).toBe(false); // a tripwire at the square
    expect(policy.canSee(school, { ...pond, alert: { zoneId: null, rule: 'camera_offline' } })).toBe(true);
    expect(policy.canSee(school, pond)).toBe(true); // the camera itself
    // A camera of the school without listed waters: all of it.
    expect(policy.canSee(school, { cameraId: 'cam-gate', regionPath: pond.regionPath, alert: { zoneId: null, rule: 'line_cross' } })).toBe(true);
    // Waters never widen the scope.
    expect(policy.canSee(who({ role: 'school', cameraIds: [], waters: ['cam-pond/pond'] }), { ...pond, alert: { zoneId: 'pond', rule: 'zone_enter' } })).toBe(false);
  });

  it('hides cameras without a region from everyone but admins and explicit camera scopes', () => {
    const orphan = { cameraId: 'cam-x', regionPath: [] };
    expect(policy.canSee(who({ regionIds: ['city'] }), orphan)).toBe(false);
    expect(policy.canSee(who({ role: 'admin' }), orphan)).toBe(true);
    expect(policy.canSee(who({ role: 'school', cameraIds: ['cam-x'] }), orphan)).toBe(true);
  });

  describe('canEditCamera', () => {
    it.each([
      ['admin', who({ role: 'admin' }), true],
      ['operator of an ancestor region', who({ regionIds: ['county-a'] }), true],
      ['operator of the camera region', who({ regionIds: ['vil-1'] }), true],
      ['operator of a sibling region', who({ regionIds: ['town-a2'] }), false],
      // The grant lets them watch the camera (canSee), not change it for its region's operators.
      ['operator of another region with the camera granted by id', who({ regionIds: ['town-a2'], cameraIds: ['cam-pond'] }), false],
      ['operator with only the camera granted by id', who({ cameraIds: ['cam-pond'] }), false],
      ['viewer of the city', who({ role: 'viewer', regionIds: ['city'] }), false],
      ['school with the camera', who({ role: 'school', cameraIds: ['cam-pond'] }), false],
    ])('%s', (_name, principal, editable) => {
      expect(canEditCamera(principal, pond.regionPath)).toBe(editable);
      if (principal.cameraIds.includes(pond.cameraId)) expect(policy.canSee(principal, pond)).toBe(true);
    });

    it('leaves a camera without a region to admins, whoever was granted it', () => {
      expect(canEditCamera(who({ role: 'admin' }), [])).toBe(true);
      expect(canEditCamera(who({ regionIds: ['city'], cameraIds: ['cam-x'] }), [])).toBe(false);
    });
  });
});
