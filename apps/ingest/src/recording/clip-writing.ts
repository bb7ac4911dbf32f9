// Writing one clip: the MP4 from its plan, and the high-resolution snapshot of the alert's frame.
import type { ClipRequest, ClipResult, ClipShortfall } from '@xl/contracts';
import { segmentEnd, type ClipPlan } from '@xl/media';
import type { Logger } from '@xl/observability';
import type { EvidenceWriter } from './ports';

/** Segments may start this much after the previous one ended without it counting as a hole. */
export const GAP_TOLERANCE_MS = 500;

/**
 * Cuts `plan` into the alert's clip and takes its snapshot; `placedId` names the file placed (null
 * when the cut failed). A failed snapshot keeps the clip.
 */
export async function writeClip(
  writer: EvidenceWriter,
  log: Logger,
  base: ClipResult,
  plan: ClipPlan,
  request: ClipRequest,
  handover: 'handover' | null,
): Promise<{ result: ClipResult; placedId: string | null }> {
  const clipPath = writer.clipPath(request.cameraId, request.alertId);
  let bytes: number;
  let placedId: string;
  try {
    ({ bytes, id: placedId } = await writer.cut(plan, clipPath));
  } catch (err) {
    log.error({ camera: request.cameraId, alertId: request.alertId, err: (err as Error).message }, 'cutting the evidence clip failed');
    return { result: { ...base, reason: 'cut_failed' }, placedId: null };
  }
  let snapshotPath: string | undefined;
  // The keyframe at or before the alert's frame: in the last segment starting at or before it. None
  // when the recording began after that frame (a take-over, a restart): its first keyframe would show
  // a later moment as the alert's (an earlier cut's snapshot, if any, stays the alert's).
  const first = plan.segments[0];
  const segment =
    [...plan.segments].reverse().find((s) => s.startMs <= request.snapshotAt) ?? (first.startMs - GAP_TOLERANCE_MS <= request.snapshotAt ? first : null);
  if (!segment) {
    log.info(
      { camera: request.cameraId, alertId: request.alertId, snapshotAt: request.snapshotAt, recordingFrom: first.startMs, toleranceMs: GAP_TOLERANCE_MS },
      'no high-resolution snapshot: the recording began after the alert frame',
    );
  } else if (request.snapshotAt <= segmentEnd(plan.segments[plan.segments.length - 1])) {
    try {
      const path = writer.snapshotPath(request.cameraId, request.alertId);
      bytes += await writer.snapshot(segment, request.snapshotAt, path);
      snapshotPath = path;
    } catch (err) {
      log.warn({ camera: request.cameraId, alertId: request.alertId, err: (err as Error).message }, 'high-resolution snapshot failed; the clip is kept');
    }
  }
  const shortfall: ClipShortfall | undefined = plan.startedLate
    ? 'recording_started_late'
    : plan.endedEarly
      ? (handover ?? 'camera_offline')
      : undefined;
  const result: ClipResult = {
    ...base,
    status: shortfall ? 'truncated' : 'complete',
    ...(shortfall ? { reason: shortfall } : {}),
    clipPath,
    ...(snapshotPath ? { snapshotPath } : {}),
    clipFrom: plan.clipFrom,
    clipTo: plan.clipTo,
    // The recorded time: holes (camera offline) are closed in the MP4, so it may be under clipTo − clipFrom.
    durationMs: Math.round(plan.durationMs),
    bytes,
  };
  return { result, placedId };
}
