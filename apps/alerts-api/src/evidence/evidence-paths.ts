import { evidenceClipPath, evidenceSnapshotPath, type ClipResult } from '@xl/contracts';

// Where ingest writes an alert's evidence: @xl/contracts' evidenceClipPath / evidenceSnapshotPath,
// one rule for both sides.

/** Why a result cannot be the alert's own, as the refusal metric's `why`; null when it is. */
export type ForeignResult = 'unknown_alert' | 'camera' | 'clip_path' | 'snapshot_path';

/**
 * Checks a result against the stored alert it names: its camera, and its files at the paths ingest
 * gives that alert. The paths are confined to EVIDENCE_DIR when served, but without this a result
 * could point one alert at another alert's clip (served under the first alert's scope, deleted with
 * its retention).
 */
export function foreignResult(result: Pick<ClipResult, 'alertId' | 'cameraId' | 'clipPath' | 'snapshotPath'>, alertCameraId: string | undefined): ForeignResult | null {
  if (alertCameraId === undefined) return 'unknown_alert';
  if (result.cameraId !== alertCameraId) return 'camera';
  if (result.clipPath !== undefined && result.clipPath !== evidenceClipPath(alertCameraId, result.alertId)) return 'clip_path';
  if (result.snapshotPath !== undefined && result.snapshotPath !== evidenceSnapshotPath(alertCameraId, result.alertId)) return 'snapshot_path';
  return null;
}
