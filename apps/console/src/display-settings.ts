import { displayZone, setDisplayTimeZone } from './format';

/** What reading GET /console/settings.json gave: the zone set, an API without it, or no answer. */
export type DisplaySettingsRead = 'loaded' | 'absent' | 'unreachable';

/** The settings' URL; how long the first read may take before the console starts in the PC's zone. */
const SETTINGS_URL = '/console/settings.json';
export const FIRST_READ_TIMEOUT_MS = 3000;
/** How often a console that started without them reads them again, until it has them. */
export const SETTINGS_RETRY_MS = 10_000;

/** Reads the deployment's display settings and applies their time zone. */
export async function readDisplaySettings(fetchFn: typeof fetch = fetch, timeoutMs = FIRST_READ_TIMEOUT_MS): Promise<DisplaySettingsRead> {
  let res: Response;
  try {
    res = await fetchFn(SETTINGS_URL, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return 'unreachable';
  }
  if (res.status >= 500) return 'unreachable'; // a proxy in front of an API that is not up yet
  try {
    const body = (await res.json()) as { timeZone?: unknown };
    if (!res.ok || typeof body.timeZone !== 'string') return 'absent';
    setDisplayTimeZone(body.timeZone);
    return 'loaded';
  } catch {
    return 'absent'; // not JSON: an API of a release without the settings
  }
}

/**
 * For a console that started without its settings (a kiosk booted before the API was up): reads
 * them again every SETTINGS_RETRY_MS until it has them, and calls `zoneChanged` when their zone is
 * not the one times were shown in. Before, the whole session showed and took times in the PC's zone,
 * silently (review 2026-12-03 time-clocks). Returns a stop function.
 */
export function keepReadingDisplaySettings(zoneChanged: () => void, fetchFn: typeof fetch = fetch, everyMs = SETTINGS_RETRY_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const attempt = async () => {
    const shownIn = displayZone();
    const read = await readDisplaySettings(fetchFn);
    if (stopped) return;
    if (read === 'unreachable') timer = setTimeout(() => void attempt(), everyMs);
    else if (read === 'loaded' && displayZone() !== shownIn) zoneChanged();
  };
  timer = setTimeout(() => void attempt(), everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
