import type { CameraConfig } from './camera';
import { ruleSchema, type RuleConfig } from './rules';

/** Longest id (ID_PATTERN): a default rule's id must be one too. */
const MAX_ID_LENGTH = 64;

/**
 * The id of a zone's default rule, '<zone><suffix>' ('pond.vanish'). A zone id long enough that this
 * would pass 64 characters keeps its head and gets a digest of the whole id: a valid zone must never
 * make a camera whose own default rules are invalid (a stored camera would stop loading everywhere).
 */
export function defaultRuleId(zoneId: string, suffix: string): string {
  const id = `${zoneId}${suffix}`;
  if (id.length <= MAX_ID_LENGTH) return id;
  const digest = fnv1a(zoneId).toString(16).padStart(8, '0');
  return `${zoneId.slice(0, MAX_ID_LENGTH - suffix.length - digest.length - 1)}-${digest}${suffix}`;
}

/** FNV-1a, 32 bits: a short stable digest, no crypto needed (pure lib). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

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
          { id: defaultRuleId(zone.id, '.enter'), type: 'zone_enter', zone: zone.id, classes: ['person'], severity: 'major' },
          { id: defaultRuleId(zone.id, '.dwell'), type: 'dwell', zone: zone.id, classes: ['person'], seconds: 30 },
          { id: defaultRuleId(zone.id, '.vanish'), type: 'vanish_in_water', zone: zone.id, classes: ['person'] },
        );
        break;
      case 'no_fishing':
        rules.push({ id: defaultRuleId(zone.id, '.boat'), type: 'zone_enter', zone: zone.id, classes: ['boat'], anchor: 'center', minScore: 0.2, inertia: 2 });
        break;
      case 'crowd_area':
        rules.push({ id: defaultRuleId(zone.id, '.crowd'), type: 'crowd', zone: zone.id, classes: ['person'] });
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
