// A camera's ignore zones take detections out before tracking (the analyzer calls filter()): a post,
// a buoy or a statue in the water that the detector takes for a person would otherwise be a swimmer
// to every water rule, and each time the detector lost it for a few seconds a possible drowning.
// Dropped before the tracker, it never becomes a track, keeps no camera hot and raises nothing.
// vanish_in_water asks covers() of a candidate restored from before the zone was drawn.
import type { ZoneConfig } from '@xl/config';
import type { Box, Detection } from '@xl/contracts';
import { boxShareInPolygon, type Polygon } from '@xl/geometry';

/**
 * A detection whose box lies at least this share inside an ignore zone is dropped. A zone drawn
 * around a post holds the post's box whole; a swimmer passing in front of it overlaps it only in
 * part and is kept.
 */
export const IGNORE_ZONE_MIN_SHARE = 0.8;

export class IgnoreZones {
  private readonly polygons: Polygon[];

  constructor(zones: readonly ZoneConfig[]) {
    this.polygons = zones.filter((z) => z.type === 'ignore').map((z) => z.polygon);
  }

  /** Whether a box lies (at least IGNORE_ZONE_MIN_SHARE of it) in one of the ignore zones. */
  covers(box: Box): boolean {
    return this.polygons.some((p) => boxShareInPolygon(box, p) >= IGNORE_ZONE_MIN_SHARE);
  }

  /** The detections the tracker is to see, and how many were dropped. */
  filter(detections: Detection[]): { kept: Detection[]; ignored: number } {
    if (this.polygons.length === 0) return { kept: detections, ignored: 0 };
    const kept = detections.filter((d) => !this.covers(d.box));
    return { kept, ignored: detections.length - kept.length };
  }
}
