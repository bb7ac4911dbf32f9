// Evidence clips: alerts-api asks for a clip of an alert, the ingest process that owns the camera
// (and so holds its recorded segments) cuts it into the shared evidence directory and reports back.

/**
 * An alert id as a file name in the evidence directory: alert ids are ours (hex-ish with ':' and '#');
 * every character but [A-Za-z0-9_.-] becomes '_', and a leading run of dots too, so a name never
 * leaves its folder.
 */
export function evidenceFileName(alertId: string): string {
  return alertId.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
}

/** Where ingest writes an alert's clip, relative to the evidence directory (and where alerts-api expects it). */
export function evidenceClipPath(cameraId: string, alertId: string): string {
  return `clips/${cameraId}/${evidenceFileName(alertId)}.mp4`;
}

/** Where ingest writes an alert's high-resolution snapshot, relative to the evidence directory. */
export function evidenceSnapshotPath(cameraId: string, alertId: string): string {
  return `snapshots/${cameraId}/${evidenceFileName(alertId)}.jpg`;
}

/** Redis stream alerts-api → every ingest process: clip wanted for an alert (read by the camera's lease holder). */
export const EVIDENCE_REQUESTS_STREAM = 'xl:evidence:requests';
/** Redis stream ingest → alerts-api: a clip (and high-resolution snapshot) was written, or could not be. */
export const EVIDENCE_RESULTS_STREAM = 'xl:evidence:results';

/**
 * A clip request. Sent when an alert opens and again when it is updated: the clip runs from the
 * camera's `recording.preSeconds` before `startedAt` to `recording.postSeconds` after `lastAt`,
 * so an update extends the same clip instead of making a second one. Times are scene times: the
 * alert's, moved back by its stream delay (frames are stamped on arrival, segments at scene time).
 */
export interface ClipRequest {
  /** The stored alert (after alerts-api merged superseding events), also the clip's file name. */
  alertId: string;
  cameraId: string;
  /** Epoch ms at which the alert's condition started (scene time). */
  startedAt: number;
  /** Epoch ms of the alert's latest event (its capturedAt, scene time). */
  lastAt: number;
  /** Epoch ms of the frame the high-resolution snapshot should show (the alert's capturedAt, scene time). */
  snapshotAt: number;
  requestedAt: number;
}

/**
 * - `complete`: the clip covers the requested window (from the keyframe before its start).
 * - `truncated`: shorter than asked (camera offline during the window, recording started late, the
 *   camera moved to another ingest process); `reason` says which. Still evidence, not a failure.
 * - `unavailable`: nothing recorded in the window (recording off, camera down throughout), or
 *   (`no_answer`, set by alerts-api) no ingest process answered in time: none owns the camera.
 */
export type ClipStatus = 'complete' | 'truncated' | 'unavailable';

export type ClipShortfall = 'camera_offline' | 'recording_started_late' | 'handover' | 'recording_disabled' | 'no_segments' | 'cut_failed' | 'no_answer';

export interface ClipResult {
  alertId: string;
  cameraId: string;
  status: ClipStatus;
  reason?: ClipShortfall;
  /** MP4 (H.264 copied from the camera, faststart), relative to the shared evidence directory. */
  clipPath?: string;
  /** JPEG of a main-stream keyframe at the alert time, relative to the shared evidence directory. */
  snapshotPath?: string;
  /** Requested window, epoch ms. */
  requestedFrom: number;
  requestedTo: number;
  /** What the clip shows, epoch ms (presentation start; decoding starts at the keyframe before). */
  clipFrom?: number;
  clipTo?: number;
  /**
   * The recorded time the clip shows, ms: the MP4's length. Under clipTo − clipFrom when the recording
   * had holes (`camera_offline`: the concatenation closes them). Absent from older ingests' results.
   */
  durationMs?: number;
  /** Bytes of clip and snapshot together. */
  bytes: number;
  ingestId: string;
  at: number;
}
