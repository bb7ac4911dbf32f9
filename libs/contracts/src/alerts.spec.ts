import { CAMERA_HEALTH_RULE_TYPES, isCameraHealthRule } from './alerts';

describe('camera health rules', () => {
  it('are the rules about the camera itself, never a safety rule', () => {
    expect([...CAMERA_HEALTH_RULE_TYPES].sort()).toEqual(['camera_blurred', 'camera_covered', 'camera_frozen', 'camera_moved', 'camera_offline']);
    for (const rule of CAMERA_HEALTH_RULE_TYPES) expect(isCameraHealthRule(rule)).toBe(true);
    for (const rule of ['zone_enter', 'dwell', 'vanish_in_water', 'crowd', 'line_cross'] as const) expect(isCameraHealthRule(rule)).toBe(false);
  });
});
