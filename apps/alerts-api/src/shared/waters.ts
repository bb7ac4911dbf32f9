// A school's waters are zone references 'camera/zone' (ids cannot contain '/'). These helpers are
// the one reading of them, shared by the access policy (objects, push) and the SQL scope (lists).

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
 * Whether an object of `cameraId` in `zoneId` lies in the waters: camera-level objects (no zone)
 * always do, as do all zones of a camera none of whose zones are listed.
 */
export function inWaters(waters: readonly string[], cameraId: string, zoneId: string | null | undefined): boolean {
  if (!waters.length || zoneId === null || zoneId === undefined) return true;
  const prefix = `${cameraId}/`;
  if (!waters.some((ref) => ref.startsWith(prefix))) return true;
  return waters.includes(prefix + zoneId);
}
