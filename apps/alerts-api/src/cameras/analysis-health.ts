import type { CameraStatusRecord } from '../camera-status/camera-status.repository';
import type { MaintenanceWindow } from './maintenance.repository';

/** What decides whether a camera's frames are still being analysed. */
export interface AnalysisFacts {
  enabled: boolean;
  status: CameraStatusRecord | undefined;
  maintenance: MaintenanceWindow | undefined;
  /** Capture time of its last analysed frame (the analyzer's mark), null when none is known. */
  analysedAt: number | null;
}

/**
 * Since when a camera has been delivering frames that nobody analyses, or null while it is fine.
 * Only an enabled camera that ingest reports online counts (an offline one has its own alert), and
 * not during maintenance; it must have been online, and without an analysed frame, for `staleMs` —
 * ingest's heartbeat frames keep even a still camera analysed every few seconds. While this holds,
 * none of its rules can fire: no drowning warning, no intrusion, nothing.
 */
export function unanalysedSince(c: AnalysisFacts, now: number, staleMs: number): number | null {
  if (!c.enabled || c.status?.status !== 'online' || (c.maintenance && c.maintenance.until > now)) return null;
  const since = Math.max(c.status.since, c.analysedAt ?? Number.NEGATIVE_INFINITY);
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
