import { scopeOf } from './push-events';

describe('scopeOf', () => {
  const scope = { cameraId: 'cam-a', regionPath: ['city'] };

  it("keeps a scope that carries the alert's zone and rule, and a camera status as it is", () => {
    const alert = { zoneId: 'pond', rule: 'zone_enter' };
    expect(scopeOf({ type: 'alert.created', scope: { ...scope, alert }, data: { zoneId: 'square', rule: 'crowd' } })).toEqual({ ...scope, alert });
    expect(scopeOf({ type: 'camera.status', scope, data: { status: 'offline' } })).toEqual(scope);
  });

  it("takes an older event's zone and rule from its data, so that waters still narrow it", () => {
    expect(scopeOf({ type: 'alert.updated', scope, data: { zoneId: 'square', rule: 'crowd' } })).toEqual({ ...scope, alert: { zoneId: 'square', rule: 'crowd' } });
    expect(scopeOf({ type: 'alert.created', scope, data: { zoneId: null, rule: 'line_cross' } })).toEqual({ ...scope, alert: { zoneId: null, rule: 'line_cross' } });
  });
});
