/** Zone id → display name, per cameras.zones JSON text seen lately (a list reads the same camera's row again and again). */
const namesByZonesJson = new Map<string, ReadonlyMap<string, string>>();
const CACHE_LIMIT = 256;

/**
 * The display name a camera's configuration gives one of its zones now (from the cameras.zones
 * column, read beside an alert like the camera's name), or null: no zone, no camera, no name. A row
 * that cannot be read gives null too: a name must never keep an alert list or report from loading.
 */
export function zoneNameIn(cameraZones: string | null | undefined, zoneId: string | null): string | null {
  if (!zoneId || !cameraZones) return null;
  return namesOf(cameraZones).get(zoneId) ?? null;
}

function namesOf(json: string): ReadonlyMap<string, string> {
  let names = namesByZonesJson.get(json);
  if (names) return names;
  const map = new Map<string, string>();
  try {
    const zones: unknown = JSON.parse(json);
    if (Array.isArray(zones)) {
      for (const z of zones as Array<{ id?: unknown; name?: unknown }>) {
        if (typeof z?.id === 'string' && typeof z.name === 'string' && z.name.trim()) map.set(z.id, z.name);
      }
    }
  } catch {
    // corrupt JSON: no names (the camera's own endpoints report it)
  }
  names = map;
  if (namesByZonesJson.size >= CACHE_LIMIT) namesByZonesJson.clear();
  namesByZonesJson.set(json, names);
  return names;
}
