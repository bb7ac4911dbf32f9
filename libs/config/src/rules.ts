import { z } from 'zod';
import { idSchema, scheduleWindowSchema } from './primitives';

const severitySchema = z.enum(['info', 'warning', 'major', 'critical']);

/** Fields every rule has. */
const common = {
  id: idSchema.describe('rule id, unique within the camera'),
  enabled: z.boolean().default(true).describe('a disabled rule is kept but never fires'),
  severity: severitySchema.optional().describe('overrides the rule type default severity'),
  schedule: z
    .array(scheduleWindowSchema)
    .max(32)
    .default([])
    .describe('active time windows in the camera time zone; empty = always active'),
  cooldownSeconds: z
    .number()
    .min(0)
    .max(86400)
    .default(60)
    .describe('after an alert of this rule ends, a new one for the same zone/track waits this long'),
};

/** Fields of rules about detected objects. */
const objectRule = {
  ...common,
  classes: z.array(z.string().min(1).max(64)).min(1).max(80).default(['person']).describe('detector labels this rule watches'),
  minScore: z.number().min(0).max(1).default(0.35).describe('detections below this confidence are ignored by this rule'),
  minBoxHeight: z
    .number()
    .min(0)
    .max(1)
    .default(0.02)
    .describe('boxes shorter than this fraction of the frame height are ignored (too small to trust)'),
  anchor: z
    .enum(['foot', 'center'])
    .optional()
    .describe('point of the box tested against the zone: foot (bottom-centre, people) or center (boats); default foot for persons, center otherwise'),
};

const zoneRef = idSchema.describe('id of the zone of this camera the rule watches');

export const zoneEnterRuleSchema = z.strictObject({
  ...objectRule,
  type: z.literal('zone_enter'),
  zone: zoneRef,
  inertia: z
    .number()
    .int()
    .min(1)
    .max(30)
    .default(2)
    .describe('consecutive analysed frames inside before it counts (and outside before it counts as gone again)'),
  inertiaSeconds: z
    .number()
    .min(0)
    .max(30)
    .default(0.4)
    .describe(
      'those consecutive frames must also span this long, first to last, whatever the frame rate: a person hidden behind another for a moment (lower body cut off, foot point in the zone) does not count as entering; 0.4 s = 2 frames at 2 fps, 3 at 4–5 fps',
    ),
});

export const dwellRuleSchema = z.strictObject({
  ...objectRule,
  type: z.literal('dwell'),
  zone: zoneRef,
  seconds: z.number().min(1).max(86400).default(30).describe('time inside the zone before the alert'),
});

export const vanishRuleSchema = z.strictObject({
  ...objectRule,
  type: z.literal('vanish_in_water'),
  zone: zoneRef,
  lostSeconds: z
    .number()
    .min(0.5)
    .max(120)
    .default(3)
    .describe(
      'a track last seen inside the water zone and not seen again for this long raises a possible drowning; at least two frame intervals of the camera (2 / fps), or one missed detection would raise it',
    ),
  minTrackedSeconds: z
    .number()
    .min(0)
    .max(60)
    .default(1)
    .describe('ignore tracks inside the zone for less than this (flicker)'),
  cooldownSeconds: z
    .number()
    .min(0)
    .max(600)
    .default(0)
    .describe(
      'after a vanish alert ends (the person seen again), the same track\'s next vanish waits this long; 0: a swimmer who goes under again is reported again at once (a drowning person often bobs up before going under for good)',
    ),
});

export const crowdRuleSchema = z.strictObject({
  ...objectRule,
  type: z.literal('crowd'),
  zone: zoneRef,
  minCount: z.number().int().min(2).max(1000).default(8).describe('objects inside the zone at once'),
  seconds: z.number().min(0).max(3600).default(2).describe('how long the count must hold'),
});

export const lineCrossRuleSchema = z.strictObject({
  ...objectRule,
  type: z.literal('line_cross'),
  line: idSchema.describe('id of the tripwire line of this camera'),
  direction: z
    .enum(['left_to_right', 'right_to_left', 'both'])
    .default('both')
    .describe('left/right as a walker along the line from its first to its second point sees them on screen'),
});

const healthCommon = { ...common, cooldownSeconds: common.cooldownSeconds.default(300) };

export const coveredRuleSchema = z.strictObject({
  ...healthCommon,
  type: z.literal('camera_covered'),
  maxLuma: z.number().min(0).max(255).default(40).describe('mean luma (0–255, masks excluded) at or below which the lens may be covered'),
  maxSharpness: z
    .number()
    .min(0)
    .max(255)
    .default(3)
    .describe(
      'mean absolute Laplacian (grey levels) at or below which a dark picture counts as covered; a night scene is dark but sharp (measured: covered lens 0.4–1.6, night sea 6–13)',
    ),
  seconds: z.number().min(0).max(3600).default(1.5).describe('how long the picture must stay dark'),
});

export const blurredRuleSchema = z.strictObject({
  ...healthCommon,
  type: z.literal('camera_blurred'),
  maxSharpnessRatio: z
    .number()
    .min(0.01)
    .max(1)
    .default(0.35)
    .describe('sharpness below this fraction of the camera learned baseline counts as blurred'),
  seconds: z.number().min(0).max(3600).default(3).describe('how long the picture must stay blurred'),
});

export const frozenRuleSchema = z.strictObject({
  ...healthCommon,
  type: z.literal('camera_frozen'),
  maxDifference: z
    .number()
    .min(0)
    .max(255)
    .default(0.04)
    .describe(
      "mean absolute grey change (0–255) between consecutive sampled frames on ingest's motion grid (masks excluded) at or below which the picture counts as repeating; measured here: frozen streams 0.000–0.02 between keyframe refreshes (720p: up to 0.06 while the encoder settles), live quiet scenes mostly ≥ 0.1 (docs/rules.md)",
    ),
  seconds: z.number().min(1).max(3600).default(6).describe('how long the picture must stay identical'),
});

export const movedRuleSchema = z.strictObject({
  ...healthCommon,
  type: z.literal('camera_moved'),
  minSimilarity: z
    .number()
    .min(-1)
    .max(1)
    .default(0.6)
    .describe(
      "correlation (−1 – 1) of the picture's coarse layout with the camera's learned view below which the view counts as changed — turned, tilted, zoomed or knocked away from the view its zones were drawn on; measured here: 0.83–1.00 with people, a crowd, a night sea; 0.38 for the same scene shifted by 30 % (docs/rules.md)",
    ),
  seconds: z
    .number()
    .min(5)
    .max(3600)
    .default(60)
    .describe('how long the view must stay changed (people and vehicles passing in front of the lens come and go)'),
});

export const ruleSchema = z.discriminatedUnion('type', [
  zoneEnterRuleSchema,
  dwellRuleSchema,
  vanishRuleSchema,
  crowdRuleSchema,
  lineCrossRuleSchema,
  coveredRuleSchema,
  blurredRuleSchema,
  frozenRuleSchema,
  movedRuleSchema,
]);

export type RuleConfig = z.infer<typeof ruleSchema>;
export type ZoneEnterRule = z.infer<typeof zoneEnterRuleSchema>;
export type DwellRule = z.infer<typeof dwellRuleSchema>;
export type VanishRule = z.infer<typeof vanishRuleSchema>;
export type CrowdRule = z.infer<typeof crowdRuleSchema>;
export type LineCrossRule = z.infer<typeof lineCrossRuleSchema>;
export type CoveredRule = z.infer<typeof coveredRuleSchema>;
export type BlurredRule = z.infer<typeof blurredRuleSchema>;
export type FrozenRule = z.infer<typeof frozenRuleSchema>;
export type MovedRule = z.infer<typeof movedRuleSchema>;
