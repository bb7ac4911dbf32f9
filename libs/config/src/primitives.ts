import { z } from 'zod';
import { findSelfIntersection, polygonArea } from '@xl/geometry';

/** A coordinate in normalized 0..1 frame space. */
export const coordinate = z.number().min(0).max(1);
export const pointSchema = z.tuple([coordinate, coordinate]).describe('[x, y] in normalized 0..1 frame coordinates');

/**
 * Smallest polygon area, as a fraction of the frame (1e-4 ≈ 10×10 px at 720p). Collinear or
 * repeated points pass the crossing check but enclose nothing: such a zone would never fire.
 */
export const MIN_POLYGON_AREA = 1e-4;

const samePoint = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1];

/**
 * Indices of the vertices a polygon keeps once repeats are dropped: of a run of equal consecutive
 * vertices (a double click) the last, and no closing vertex equal to the first (GeoJSON rings and
 * many annotation tools close the ring that way). The shape is unchanged; kept this way round, the
 * index of each kept vertex is also that of the input edge starting at it, so messages can name the
 * edges as the user wrote them.
 */
export function distinctVertexIndices(poly: readonly (readonly number[])[]): number[] {
  const keep: number[] = [];
  for (let i = 0; i < poly.length; i++) if (i + 1 === poly.length || !samePoint(poly[i], poly[i + 1])) keep.push(i);
  while (keep.length > 1 && samePoint(poly[keep[keep.length - 1]], poly[keep[0]])) keep.pop();
  return keep;
}

// Repeated vertices are dropped rather than refused: they change nothing, yet the crossing check
// would report the zero-length edge they make as touching its neighbours ("edges 0 and 3 cross").
export const polygonSchema = z
  .array(pointSchema)
  .min(3)
  .max(64)
  .superRefine((raw, ctx) => {
    const keep = distinctVertexIndices(raw);
    const poly = keep.map((i) => raw[i]);
    const hit = poly.length >= 3 ? findSelfIntersection(poly) : null;
    if (hit) ctx.addIssue({ code: 'custom', message: `polygon edges ${keep[hit[0]]} and ${keep[hit[1]]} cross each other (self-intersecting)` });
    const area = poly.length >= 3 ? polygonArea(poly) : 0;
    if (!hit && area < MIN_POLYGON_AREA) {
      ctx.addIssue({ code: 'custom', message: `polygon encloses almost no area (${area.toPrecision(2)} of the frame, minimum ${MIN_POLYGON_AREA}): collinear or repeated points` });
    }
  })
  .transform((raw) => distinctVertexIndices(raw).map((i) => raw[i]))
  .describe(
    `3 to 64 vertices in normalized 0..1 coordinates, in order, not self-intersecting, enclosing at least ${MIN_POLYGON_AREA} of the frame; a closing vertex equal to the first (GeoJSON style) and a vertex repeating the one before it are dropped`,
  );

/** A tripwire: two distinct points (a zero-length line is never crossed). */
export const tripwirePointsSchema = z
  .tuple([pointSchema, pointSchema])
  .refine(([a, b]) => a[0] !== b[0] || a[1] !== b[1], 'the two points are the same: a zero-length tripwire is never crossed')
  .describe('[from, to], two distinct points; crossing direction is relative to from → to');

/** A display name: no control characters (names end up in alert messages, logs and HTTP headers). */
export const displayNameSchema = z
  .string()
  .max(128)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters (newlines, tabs, NUL)');

/** An id (no '/', so 'camera/zone' references are unambiguous), as a regular-expression source. */
export const ID_PATTERN = '[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}';

export const idSchema = z
  .string()
  .regex(new RegExp(`^${ID_PATTERN}$`), 'must be 1–64 letters, digits, _ . - starting with a letter or digit');

/**
 * A URL whose scheme is one of `schemes` (e.g. ['rtsp', 'rtsps']) and which names a host. Callers limit
 * schemes on purpose: a `file:` or `http:` camera URL would make ffmpeg read local files or probe
 * internal hosts; a `file:` webhook would turn deliveries into a local-resource probe.
 */
export function urlWithSchemes(schemes: readonly string[]) {
  const allowed = schemes.map((scheme) => `${scheme}:`);
  const listed = schemes.map((scheme) => `${scheme}://`).join(' or ');
  return z
    .string()
    .max(2048)
    .superRefine((value, ctx) => {
      // The URL parser drops tabs and newlines and trims spaces, but ffmpeg gets the raw string: a
      // newline would end up inside the RTSP request to the camera (header injection).
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0020\u007f]/.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'must not contain spaces or control characters (percent-encode them)' });
        return;
      }
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
        return;
      }
      if (!allowed.includes(url.protocol)) ctx.addIssue({ code: 'custom', message: `must use ${listed}, got ${url.protocol}//` });
      if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'has no host' });
      // A '#' starts a fragment, which no camera or webhook request carries; in practice it is a '#'
      // typed into a password (`rtsp://admin:123#abc@10.0.0.7/…` parses as host "admin", port 123):
      // ffmpeg cannot open it, and the password would not be recognised as one to hide.
      if (value.includes('#')) ctx.addIssue({ code: 'custom', message: "must not contain '#': write a '#' in a user name or password as %23" });
    });
}

export const rtspUrlSchema = urlWithSchemes(['rtsp', 'rtsps']).describe(
  "rtsp:// or rtsps:// URL; user:password@ inside it is stored but never shown or logged (a '#' in them is written %23)",
);

// 24:00 is the end of the day (a window 19:00–24:00); 24:01–24:59 are no time of day. They parse
// (a camera stored before they were refused stays readable) and cameraSchema refuses them when
// someone writes them (PAST_MIDNIGHT).
export const timeOfDay = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'must be HH:MM, 00:00–23:59 or 24:00 (the end of the day)');
/** A time of day past the end of the day: 24:01–24:59. */
export const PAST_MIDNIGHT = /^24:(0[1-9]|[1-5]\d)$/;

export const scheduleWindowSchema = z
  .strictObject({
    days: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .max(7)
      .optional()
      .describe('ISO weekdays 1 = Monday … 7 = Sunday; absent = every day'),
    months: z.array(z.number().int().min(1).max(12)).min(1).max(12).optional().describe('months 1–12; absent = all year'),
    start: timeOfDay.describe('local start time HH:MM in the camera time zone, 00:00–23:59 (24:01–24:59 are refused when written)'),
    end: timeOfDay.describe('local end time HH:MM (exclusive), 00:00–23:59 or 24:00; 23:59 and 24:00 both mean the end of the day (24:01–24:59 are refused when written); an end before the start spans midnight (e.g. 19:00–06:00)'),
  })
  .describe('a time window in the camera time zone; a rule is active inside any of its windows');

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
