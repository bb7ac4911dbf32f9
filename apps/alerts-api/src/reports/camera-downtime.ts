// How long cameras were dark in a report's period, from their camera_offline alerts: an outage runs
// from the alert's start to its resolution (the camera delivered pictures again), or to the end of
// the period / now while it lasts, and counts with its part inside the period — also one that began
// before it. Pure, like the rest of the report.
import type { ReportRow } from './alert-report';

export interface CameraOutages {
  cameraId: string;
  cameraName: string | null;
  outages: number;
  /** Offline time inside the period. */
  offlineMs: number;
  /** Its last outage has not ended. */
  stillOffline: boolean;
}

export interface Downtime {
  outages: number;
  offlineMs: number;
  /** Longest offline first. */
  cameras: CameraOutages[];
}

/**
 * `period.offlineSince`: cameras dark now, by their current outage's start. An operator may resolve a
 * camera_offline alert while the camera stays dark (one at a time, or in bulk): its resolution is not
 * the camera coming back — the outage whose start is the camera's current one still runs.
 */
export function cameraDowntime(rows: readonly ReportRow[], period: { from: number; to: number; now: number; offlineSince?: ReadonlyMap<string, number> }, top: number): Downtime {
  const end = Math.min(period.to, period.now);
  const byCamera = new Map<string, CameraOutages>();
  let outages = 0;
  let offlineMs = 0;
  for (const row of rows) {
    if (row.rule !== 'camera_offline') continue;
    const start = Math.max(period.from, row.startedAt);
    const stillDark = row.resolvedAt === null || (row.outcome !== 'recovered' && period.offlineSince?.get(row.cameraId) === row.startedAt);
    // A recovered outage ends when the camera came back, not when its resolution confirmed it stayed up.
    const stop = Math.min(end, stillDark ? end : (row.cameraBackAt ?? row.resolvedAt ?? end));
    // One that began before the period counts only when it was still going at its start.
    if (row.startedAt < period.from && stop <= period.from) continue;
    const ms = Math.max(0, stop - start);
    let camera = byCamera.get(row.cameraId);
    if (!camera) byCamera.set(row.cameraId, (camera = { cameraId: row.cameraId, cameraName: row.cameraName, outages: 0, offlineMs: 0, stillOffline: false }));
    camera.outages++;
    camera.offlineMs += ms;
    // rows come oldest first: the last outage decides
    camera.stillOffline = stillDark;
    outages++;
    offlineMs += ms;
  }
  const cameras = [...byCamera.values()].sort((a, b) => b.offlineMs - a.offlineMs || (a.cameraId < b.cameraId ? -1 : 1)).slice(0, top);
  return { outages, offlineMs, cameras };
}
