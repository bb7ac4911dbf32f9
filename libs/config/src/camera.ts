import { z } from 'zod';
import type { Polygon } from '@xl/geometry';
import { computeLetterbox, hasUnmaskedBlock, letterboxContentSize, MOTION_CELL_PIXELS } from '@xl/vision';
import {
  displayNameSchema,
  idSchema,
  isValidTimeZone,
  PAST_MIDNIGHT,
  polygonSchema,
  rtspUrlSchema,
  tripwirePointsSchema,
} from './primitives';
import { ruleSchema } from './rules';
import { siteSchema } from './site';

export const zoneSchema = z.strictObject({
  id: idSchema.describe('zone id, unique within the camera'),
  name: displayNameSchema.optional().describe('display name, e.g. "北塘 north pond"'),
  type: z
    .enum(['water', 'no_fishing', 'crowd_area', 'generic', 'ignore'])
    .describe(
      'water: drowning rules; no_fishing: boats; crowd_area: crowd counting; generic: explicit rules only; ignore: a detection whose box lies at least 80 % inside is dropped before tracking, for every rule (a post, buoy or statue taken for a person), and no rule may name it',
    ),
  polygon: polygonSchema,
});

export const lineSchema = z.strictObject({
  id: idSchema.describe('tripwire id, unique within the camera'),
  name: displayNameSchema.optional(),
  points: tripwirePointsSchema,
});

export const motionSchema = z
  .strictObject({
    threshold: z
      .number()
      .int()
      .min(1)
      .max(255)
      .default(12)
      .describe('grey-level difference (0–255) at which a cell of the small grey copy counts as changed'),
    minChangedFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.002)
      .describe('fraction of unmasked cells that must change for a frame to count as motion'),
    heartbeatSeconds: z
      .number()
      .min(0.5)
      .max(300)
      .default(5)
      .describe('a frame is published at least this often even without motion, so health rules keep running'),
  })
  .describe('motion gate: frames without motion are not analysed unless the camera is hot');

export const watchdogSchema = z
  .strictObject({
    stallSeconds: z
      .number()
      .min(1)
      .max(120)
      .default(6)
      .describe(
        'no frame for this long → ffmpeg is stopped and respawned; a (re)start gets twice this for its first frame',
      ),
    ioTimeoutSeconds: z.number().min(1).max(60).default(5).describe("ffmpeg's RTSP socket I/O timeout (-timeout)"),
    backoffInitialSeconds: z.number().min(0.1).max(60).default(1).describe('first respawn delay; at most backoffMaxSeconds'),
    backoffMaxSeconds: z.number().min(1).max(600).default(30).describe('respawn delay cap; a run that delivered this long, at most 10 s, starts the back-off over'),
    maxDelaySeconds: z
      .number()
      .min(0)
      .max(600)
      .refine(
        (s) => s === 0 || s >= 5,
        'must be 0 (never reconnect) or at least 5: a reconnect costs a few seconds without frames',
      )
      .default(15)
      .describe(
        'a live stream arriving this far behind real time (a congested uplink or an overloaded ingest host holding it up) is reconnected, dropping the backlog, so that alerts come at most this late; 0 never reconnects, otherwise at least 5',
      ),
  })
  .describe('reader supervision: watchdog and respawn back-off');

export const recordingSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'record the main stream (sub stream when there is no main) into a rolling buffer of segments, for evidence clips',
      ),
    segmentSeconds: z
      .number()
      .min(1)
      .max(10)
      .default(2)
      .describe('target length of one segment; a segment always starts on a keyframe, so it is at least one GOP long'),
    windowSeconds: z
      .number()
      .min(10)
      .max(600)
      .default(60)
      .describe(
        'how much of the past the ring buffer keeps on the ingest host (older segments are deleted unless a pending clip still needs them)',
      ),
    preSeconds: z
      .number()
      .min(0)
      .max(120)
      .default(10)
      .describe("an alert's clip starts this long before the alert started (from the keyframe before)"),
    postSeconds: z
      .number()
      .min(0)
      .max(120)
      .default(10)
      .describe("an alert's clip ends this long after its last update"),
    holdSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(300)
      .describe(
        "how long after an alert's latest request (or its clip's latest cut, if later) its segments stay pinned, so that a later update re-cuts one clip from the alert's start, at the cost of keeping that much more recording on disk; never less than windowSeconds after the cut. Past it an update's clip starts where the ring does and replaces the earlier one",
      ),
  })
  .superRefine((r, ctx) => {
    // The pre-roll must still be in the ring when the clip is cut (post window + one segment later).
    const needed = r.preSeconds + r.postSeconds + 2 * r.segmentSeconds;
    if (r.enabled && needed > r.windowSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['windowSeconds'],
        message: `windowSeconds ${r.windowSeconds} is too short: preSeconds + postSeconds + 2 × segmentSeconds = ${needed} must fit in it`,
      });
    }
  })
  .describe('rolling recording and evidence clips of alerts');

export const RECORDING_DEFAULTS = {
  enabled: true,
  segmentSeconds: 2,
  windowSeconds: 60,
  preSeconds: 10,
  postSeconds: 10,
  holdSeconds: 300,
} as const;

/** Detector input the masks are checked on: the shipped models' (ingest's MODEL_INPUT_WIDTH/HEIGHT default). */
const MASK_CHECK_INPUT = 416;
/**
 * Picture shapes the masks are checked on (the stream's size is only known once it plays): masks are
 * in picture coordinates, but how many grid blocks a hole between them holds depends on the shape.
 */
const MASK_CHECK_PICTURES: readonly [label: string, width: number, height: number][] = [
  ['16:9', 1920, 1080],
  ['4:3', 640, 480],
  ['704×576 (D1)', 704, 576],
  ['square', 1, 1],
  ['9:16 (portrait)', 1080, 1920],
];

/**
 * Why the masks leave ingest's motion grid (and so the picture checks) nothing to measure, or null.
 * Ingest would fail every frame of such a camera: it would be blind.
 */
function maskCoverProblem(masks: Polygon[]): string | null {
  if (!masks.length) return null;
  for (const [label, width, height] of MASK_CHECK_PICTURES) {
    const content = letterboxContentSize(computeLetterbox(width, height, MASK_CHECK_INPUT, MASK_CHECK_INPUT));
    const region = { contentWidth: content.width, contentHeight: content.height };
    if (!hasUnmaskedBlock(masks, MASK_CHECK_INPUT, MASK_CHECK_INPUT, MOTION_CELL_PIXELS, region)) {
      return (
        `the masks cover the whole picture: for a ${label} picture no ${MOTION_CELL_PIXELS}×${MOTION_CELL_PIXELS}-pixel motion cell of the ` +
        `${MASK_CHECK_INPUT}×${MASK_CHECK_INPUT} detector input is left unmasked, so ingest would measure nothing and the camera would be blind; ` +
        'masks mark areas to ignore (on-screen clock, camera name), not the area to watch'
      );
    }
  }
  return null;
}

/** Three significant digits, for showing a bound (0.6666… → 0.667). */
const round3 = (v: number) => Number(v.toPrecision(3));
/** Rounded up to 0.001, for suggesting a value that passes (2.2222… → 2.223). */
const ceil3 = (v: number) => Math.ceil(v * 1000 - 1e-6) / 1000;

/**
 * A camera as stored and published: every field with its bounds and the references between them.
 * What the API stored, and workers read from Redis, parses with this one even after a release that
 * checks more at saving (cameraSchema): a camera saved under older checks must still be listed,
 * edited, published and analysed, not drop out of the system at the upgrade.
 */
export const storedCameraSchema = z
  .strictObject({
    id: idSchema.describe('camera id, unique in the system'),
    name: displayNameSchema.optional().describe('display name'),
    enabled: z.boolean().default(true).describe('disabled cameras are not ingested'),
    url: rtspUrlSchema.describe(
      "main stream RTSP URL (clips, high-resolution snapshots); credentials as user:password@, a '#' or space in them written %23 / %20",
    ),
    subUrl: rtspUrlSchema.optional().describe('sub stream RTSP URL; used for analysis when present'),
    regionId: idSchema.optional().describe('region (village/township/…) the camera belongs to'),
    fps: z
      .number()
      .min(0.2)
      .max(30)
      .default(2)
      .describe(
        "analysis frames per second sampled from the stream (at most: a stream slower than this gives its own rate, never repeated frames); the lostSeconds of every enabled explicit vanish_in_water rule must span at least two frame intervals (2 / fps: 1 s at 2 fps); a water zone's default one is 3 s, or two frame intervals below 0.667 fps",
      ),
    model: idSchema.default('yolox_nano').describe('detector model manifest name in models/'),
    timezone: z
      .string()
      .default('Asia/Shanghai')
      .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
      .describe('time zone for rule schedules'),
    masks: z
      .array(polygonSchema)
      .max(32)
      // prefault, not default: polygons drop repeated vertices (a transform), and zod leaves the
      // default of a transforming schema out of the input JSON Schema the docs and OpenAPI show
      .prefault([])
      .describe(
        `areas ignored by motion and picture checks (on-screen clock, camera name), not the area to watch: masks that leave no ${MOTION_CELL_PIXELS}×${MOTION_CELL_PIXELS}-pixel motion cell of the ${MASK_CHECK_INPUT}×${MASK_CHECK_INPUT} detector input unmasked (checked for ${MASK_CHECK_PICTURES.map(([label]) => label).join(', ')} pictures) are refused: the camera would be blind`,
      ),
    zones: z.array(zoneSchema).max(64).prefault([]), // prefault: see masks
    lines: z.array(lineSchema).max(64).default([]),
    rules: z
      .array(ruleSchema)
      .max(128)
      .optional()
      .describe(
        "explicit rules, run first; each zone that no explicit rule names (enabled or not) still gets its zone type's default rules, and each default camera health rule whose type no explicit rule has is added (as '<id>-2' should an explicit rule have its id): name a zone, or a health rule type, in a disabled rule to leave it unwatched; absent or [] = the defaults alone",
      ),
    motion: motionSchema.default({ threshold: 12, minChangedFraction: 0.002, heartbeatSeconds: 5 }),
    watchdog: watchdogSchema.default({
      stallSeconds: 6,
      ioTimeoutSeconds: 5,
      backoffInitialSeconds: 1,
      backoffMaxSeconds: 30,
      maxDelaySeconds: 15,
    }),
    recording: recordingSchema.default(RECORDING_DEFAULTS),
    site: siteSchema.optional(),
  })
  .superRefine((camera, ctx) => {
    const zoneIds = new Set<string>();
    camera.zones.forEach((zone, i) => {
      if (zoneIds.has(zone.id))
        ctx.addIssue({ code: 'custom', path: ['zones', i, 'id'], message: `duplicate zone id '${zone.id}'` });
      zoneIds.add(zone.id);
    });
    const lineIds = new Set(camera.lines.map((l) => l.id));
    const ruleIds = new Set<string>();
    camera.rules?.forEach((rule, i) => {
      if (ruleIds.has(rule.id))
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id '${rule.id}'` });
      ruleIds.add(rule.id);
      if ('zone' in rule && !zoneIds.has(rule.zone)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'zone'],
          message: `rule '${rule.id}' names zone '${rule.zone}', which this camera does not have`,
        });
      } else if ('zone' in rule && camera.zones.some((z) => z.id === rule.zone && z.type === 'ignore')) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'zone'],
          message: `rule '${rule.id}' names zone '${rule.zone}', an ignore zone: nothing is seen there`,
        });
      }
      if ('line' in rule && !lineIds.has(rule.line)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'line'],
          message: `rule '${rule.id}' names line '${rule.line}', which this camera does not have`,
        });
      }
    });
  });

/**
 * A camera as written by someone (API bodies, camera files): storedCameraSchema plus the checks that
 * read several fields together and refuse settings that would blind or mislead the camera. They
 * run only once those fields are valid (zod still runs a refinement after an out-of-bounds value,
 * and reports that one first).
 */
export const cameraSchema = storedCameraSchema.superRefine((camera, ctx) => {
  const clean = (...keys: string[]) => !ctx.issues.some((issue) => keys.includes(String(issue.path?.[0])));
  if (clean('fps', 'zones', 'rules')) {
    // A vanish countdown shorter than two frame intervals fires on one missed detection (a wave,
    // a swimmer turning away), before the tracker could take the person up again.
    const bound = 2 / camera.fps;
    // Explicit rules only: a water zone's default countdown is fitted to the fps (effectiveRules).
    camera.rules?.forEach((rule, i) => {
      if (rule.type !== 'vanish_in_water' || !rule.enabled || rule.lostSeconds >= bound - 1e-9) return;
      const what = `lostSeconds ${rule.lostSeconds} s is less than two frame intervals at fps ${camera.fps} (${round3(bound)} s): one missed detection would raise a possible drowning`;
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'lostSeconds'],
        message: `rule '${rule.id}': ${what}; raise lostSeconds to at least ${ceil3(bound)}, or fps at least ${ceil3(2 / rule.lostSeconds)}`,
      });
    });
  }
  camera.rules?.forEach((rule, i) => {
    rule.schedule?.forEach((window, j) => {
      for (const end of ['start', 'end'] as const) {
        if (PAST_MIDNIGHT.test(window[end]))
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'schedule', j, end],
            message: 'must be HH:MM, 00:00–23:59 or 24:00 (the end of the day)',
          });
      }
    });
  });
  if (clean('masks')) {
    const problem = maskCoverProblem(camera.masks);
    if (problem) ctx.addIssue({ code: 'custom', path: ['masks'], message: problem });
  }
  const { backoffInitialSeconds, backoffMaxSeconds } = camera.watchdog;
  if (clean('watchdog') && backoffInitialSeconds > backoffMaxSeconds) {
    // The reader's and recorder's back-off refused such a pair at the camera's every failure, ending
    // the ingest process; they now start at the cap, which is not what was written either.
    ctx.addIssue({
      code: 'custom',
      path: ['watchdog', 'backoffInitialSeconds'],
      message: `backoffInitialSeconds ${backoffInitialSeconds} s is above backoffMaxSeconds ${backoffMaxSeconds} s: the first respawn delay must not exceed the cap; lower it to at most ${backoffMaxSeconds} or raise backoffMaxSeconds to at least ${backoffInitialSeconds}`,
    });
  }
});

export type CameraConfig = z.infer<typeof cameraSchema>;
export type CameraConfigInput = z.input<typeof cameraSchema>;
export type ZoneConfig = z.infer<typeof zoneSchema>;
export type LineConfig = z.infer<typeof lineSchema>;
export type RecordingConfig = z.infer<typeof recordingSchema>;
