// A school's waters are zone references 'camera/zone' (ids cannot contain '/'). These helpers are
// the one reading of them, shared by the access policy (objects, push) and the SQL scope (lists).
import { z } from 'zod';
import { ID_PATTERN } from '@xl/config';
import { CAMERA_HEALTH_RULES } from './camera-health-rules';

/** What waters judge of an alert: its zone (null for zone-less rules: tripwires, camera health) and rule. */
export interface AlertSpot {
  zoneId: string | null;
  rule: string;
}

/** One water as a request names it (users', API keys' and webhooks' `waters`). */
export const waterRefSchema = z.string().regex(new RegExp(`^${ID_PATTERN}/${ID_PATTERN}$`), "must be 'camera/zone', e.g. 'pond-cam/pond'");

export function waterRef(cameraId: string, zoneId: string): string {
  return `${cameraId}/${zoneId}`;
}

/** 'cam-a/pond' → ['cam-a', 'pond']; null for anything else. */
export function parseWaterRef(ref: string): [cameraId: string, zoneId: string] | null {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1 || ref.indexOf('/', slash + 1) !== -1) return null;
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}

/** Per camera, the zones listed in `waters` (cameras without any are absent: all their zones). */
export function watersByCamera(waters: readonly string[]): Map<string, string[]> {
  const byCamera = new Map<string, string[]>();
  for (const ref of waters) {
    const parsed = parseWaterRef(ref);
    if (!parsed) continue;
    const zones = byCamera.get(parsed[0]);
    if (zones) zones.push(parsed[1]);
    else byCamera.set(parsed[0], [parsed[1]]);
  }
  return byCamera;
}

/**
 * Whether an object of `cameraId` lies in the waters. The camera itself (no `alert`) and its health
 * alerts always do, as does everything of a camera none of whose zones are listed; any other alert
 * only in a listed zone — a tripwire crossing, zone-less, not.
 */
export function inWaters(waters: readonly string[], cameraId: string, alert?: AlertSpot | null): boolean {
  if (!waters.length || !alert || CAMERA_HEALTH_RULES.has(alert.rule)) return true;
  const prefix = `${cameraId}/`;
  if (!waters.some((ref) => ref.startsWith(prefix))) return true;
  return alert.zoneId !== null && waters.includes(prefix + alert.zoneId);
}
