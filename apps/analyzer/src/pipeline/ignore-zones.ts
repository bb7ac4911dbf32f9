// A camera's ignore zones take detections out before tracking: a post, a buoy or a statue in the
// water that the detector takes for a person would otherwise be a swimmer to every water rule, and
// each time the detector lost it for a few seconds a possible drowning. Dropped before the tracker,
// it never becomes a track, keeps no camera hot and raises nothing.
import type { ZoneConfig } from '@xl/config';
import type { Detection } from '@xl/contracts';
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

  /** The detections the tracker is to see, and how many were dropped. */
  filter(detections: Detection[]): { kept: Detection[]; ignored: number } {
    const polygons = this.polygons;
    if (polygons.length === 0) return { kept: detections, ignored: 0 };
    const kept = detections.filter((d) => !polygons.some((p) => boxShareInPolygon(d.box, p) >= IGNORE_ZONE_MIN_SHARE));
    return { kept, ignored: detections.length - kept.length };
  }
}
