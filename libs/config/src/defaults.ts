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
 * The rules a camera runs: its explicit rules first, then the default rules of each zone that no
 * explicit rule names (in zone order), then each default health rule whose type no explicit rule has.
 * Defaults belong to the zone, not to the absence of `rules`: a camera whose rules were made explicit
 * (one rule tuned in the console) must still watch a water zone drawn later, and `rules: []` means
 * "no custom rules", not "no rules". A zone is left unwatched by naming it in a disabled rule (or by
 * its type: generic, ignore); a health check likewise by a disabled rule of its type.
 */
export function effectiveRules(camera: CameraConfig): RuleConfig[] {
  const explicit = camera.rules ?? [];
  const namedZones = new Set(explicit.flatMap((r) => ('zone' in r ? [r.zone] : [])));
  const explicitTypes = new Set(explicit.map((r) => r.type));
  const defaults: RuleDraft[] = [
    ...camera.zones.filter((zone) => !namedZones.has(zone.id)).flatMap((zone) => zoneDefaults(zone, camera.fps)),
    ...HEALTH_DEFAULTS.filter((rule) => !explicitTypes.has(rule.type)),
  ];
  const taken = new Set(explicit.map((r) => r.id));
  return [
    ...explicit,
    ...defaults.map(({ suffix, ...rule }) => ruleSchema.parse({ ...rule, id: freeId(rule.zone, suffix, taken) })),
  ];
}

/** A default rule before parsing; `suffix` is what its id adds to its zone's (or the whole id, for health rules). */
type RuleDraft = { type: RuleConfig['type']; zone?: string; suffix: string } & Record<string, unknown>;

const HEALTH_DEFAULTS: RuleDraft[] = [
  { suffix: 'health.covered', type: 'camera_covered' },
  { suffix: 'health.blurred', type: 'camera_blurred' },
  { suffix: 'health.frozen', type: 'camera_frozen' },
  { suffix: 'health.moved', type: 'camera_moved' },
];

/** The default vanish countdown (the rule schema's lostSeconds default). */
const DEFAULT_LOST_SECONDS = 3;

/**
 * A water zone's default vanish countdown at `fps`: 3 s, or two frame intervals where frames come
 * slower (a low-bandwidth camera at 0.5 fps: 4 s). A default of 3 s there would raise a possible
 * drowning on one missed detection; refusing it instead refused cameras that were valid before zone
 * defaults outlived explicit rules (a camera file then failed whole, blinding every camera in it).
 */
function defaultLostSeconds(fps: number): number {
  return Math.max(DEFAULT_LOST_SECONDS, Math.ceil((2 / fps) * 1000 - 1e-6) / 1000);
}

function zoneDefaults(zone: CameraConfig['zones'][number], fps: number): RuleDraft[] {
  switch (zone.type) {
    case 'water':
      return [
        { suffix: '.enter', type: 'zone_enter', zone: zone.id, classes: ['person'], severity: 'major' },
        { suffix: '.dwell', type: 'dwell', zone: zone.id, classes: ['person'], seconds: 30 },
        { suffix: '.vanish', type: 'vanish_in_water', zone: zone.id, classes: ['person'], lostSeconds: defaultLostSeconds(fps) },
      ];
    case 'no_fishing':
      return [{ suffix: '.boat', type: 'zone_enter', zone: zone.id, classes: ['boat'], anchor: 'center', minScore: 0.2, inertia: 2 }];
    case 'crowd_area':
      return [{ suffix: '.crowd', type: 'crowd', zone: zone.id, classes: ['person'] }];
    case 'generic':
    case 'ignore':
      return [];
  }
}

/**
 * The default's usual id ('pond.vanish', 'health.frozen'), or, when an explicit rule already has it,
 * the first free 'pond.vanish-2', '-3', …. Such an explicit rule watches another zone (one naming this
 * zone would have replaced its defaults): typically rules kept their ids when their zone was renamed,
 * and a new zone then took the old name. Skipping the default would leave the new zone unwatched.
 */
function freeId(zone: string | undefined, suffix: string, taken: Set<string>): string {
  const idOf = (tail: string) => (zone === undefined ? `${suffix}${tail}` : defaultRuleId(zone, `${suffix}${tail}`));
  let id = idOf('');
  for (let n = 2; taken.has(id); n++) id = idOf(`-${n}`);
  taken.add(id);
  return id;
}
