import type { CameraConfig } from './camera';
import { ruleSchema, type RuleConfig } from './rules';

/**
 * The rules a camera runs: its explicit rules, or, when it has none, the defaults of each zone type
 * plus the camera health rules. A file with nothing but zones therefore works.
 */
export function effectiveRules(camera: CameraConfig): RuleConfig[] {
  if (camera.rules) return camera.rules;
  const rules: unknown[] = [];
  for (const zone of camera.zones) {
    switch (zone.type) {
      case 'water':
        rules.push(
          { id: `${zone.id}.enter`, type: 'zone_enter', zone: zone.id, classes: ['person'], severity: 'major' },
          { id: `${zone.id}.dwell`, type: 'dwell', zone: zone.id, classes: ['person'], seconds: 30 },
          { id: `${zone.id}.vanish`, type: 'vanish_in_water', zone: zone.id, classes: ['person'] },
        );
        break;
      case 'no_fishing':
        rules.push({ id: `${zone.id}.boat`, type: 'zone_enter', zone: zone.id, classes: ['boat'], anchor: 'center', minScore: 0.2, inertia: 2 });
        break;
      case 'crowd_area':
        rules.push({ id: `${zone.id}.crowd`, type: 'crowd', zone: zone.id, classes: ['person'] });
        break;
      case 'generic':
      case 'ignore':
        break;
    }
  }
  rules.push(
    { id: 'health.covered', type: 'camera_covered' },
    { id: 'health.blurred', type: 'camera_blurred' },
    { id: 'health.frozen', type: 'camera_frozen' },
    { id: 'health.moved', type: 'camera_moved' },
  );
  return rules.map((r) => ruleSchema.parse(r));
}
