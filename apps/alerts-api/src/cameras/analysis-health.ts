import type { CameraStatusRecord } from '../camera-status/camera-status.repository';
import type { MaintenanceWindow } from './maintenance.repository';

/** What decides whether a camera's frames are still being analysed. */
export interface AnalysisFacts {
  enabled: boolean;
  status: CameraStatusRecord | undefined;
  maintenance: MaintenanceWindow | undefined;
  /** Capture time of its last analysed frame (the analyzer's mark), null when none is known. */
  analysedAt: number | null;
  /** When its configuration last changed (created, enabled, edited): the wait for a first status starts there. */
  configuredAt: number;
}

/**
 * Since when a camera's pictures have gone unanalysed, or null while it is fine. Counts an enabled
 * camera, not under maintenance, that either
 * - ingest reports online, without an analysed frame for `staleMs` (analyzers down or stuck) —
 *   ingest's heartbeat frames keep even a still camera analysed every few seconds; or
 * - no ingest has reported on at all for `staleMs` since it was configured: no worker reads it
 *   (none running, every one at INGEST_CAPACITY, a KEY_PREFIX that differs). It showed as "no status
 *   yet" for ever before.
 * An offline camera is not counted: its own alert says so. While this holds, none of the camera's
 * rules can fire: no drowning warning, no intrusion, nothing.
 */
export function unanalysedSince(c: AnalysisFacts, now: number, staleMs: number): number | null {
  if (!c.enabled || (c.maintenance && c.maintenance.until > now)) return null;
  const watchedSince = c.status === undefined ? c.configuredAt : c.status.status === 'online' ? c.status.since : null;
  if (watchedSince === null) return null;
  const since = Math.max(watchedSince, c.analysedAt ?? Number.NEGATIVE_INFINITY);
  return now - since > staleMs ? since : null;
}

/**
 * How long a camera may go without an analysed frame: ANALYSIS_STALE_SECONDS, or longer for a camera
 * whose motion gate lets a still picture through only every `heartbeatSeconds` (two heartbeats and
 * the analyzer's 5 s marking interval), so a quiet camera is never reported for being quiet.
 */
export function staleAfterMs(staleSeconds: number, heartbeatSeconds: number): number {
  return Math.max(staleSeconds, 2 * heartbeatSeconds + 5) * 1000;
}
