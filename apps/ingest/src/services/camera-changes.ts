import type { CameraConfig } from '@xl/config';

/** Fields of a camera's configuration that ingest never reads (the analyzer's, the console's). */
export const NOT_READ_BY_INGEST = ['name', 'regionId', 'model', 'timezone', 'zones', 'lines', 'rules', 'site'] as const;

/**
 * What of a camera's configuration ingest reads: the reader (urls, fps, watchdog), the motion gate
 * (masks, motion), the recorder and its clips (recording). Only a change here restarts the camera's
 * reader and recorder (which truncates its pending clips); an edited zone, rule or name does not.
 */
export function ingestView(camera: CameraConfig): string {
  const { url, subUrl, fps, masks, motion, watchdog, recording } = camera;
  return JSON.stringify({ url, subUrl, fps, masks, motion, watchdog, recording });
}
