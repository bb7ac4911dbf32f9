import { parseJsonColumn } from '../common/json';

/**
 * The display name a camera's configuration gives one of its zones now (from the cameras.zones
 * column, read beside an alert like the camera's name), or null: no zone, no camera, no name.
 */
export function zoneNameIn(cameraZones: string | null | undefined, zoneId: string | null): string | null {
  if (!zoneId || !cameraZones) return null;
  const zones = parseJsonColumn<Array<{ id: string; name?: string }>>(cameraZones, 'cameras.zones');
  return zones.find((z) => z.id === zoneId)?.name ?? null;
}
