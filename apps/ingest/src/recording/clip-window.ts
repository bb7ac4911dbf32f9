import type { RecordingConfig } from '@xl/config';
import type { ClipRequest } from '@xl/contracts';

/** The wall-clock window of an alert's clip: preSeconds before it started, postSeconds after its last event. */
export function clipWindow(request: Pick<ClipRequest, 'startedAt' | 'lastAt'>, recording: RecordingConfig): { from: number; to: number } {
  const from = request.startedAt - recording.preSeconds * 1000;
  const to = Math.max(request.lastAt, request.startedAt) + recording.postSeconds * 1000;
  // pre = post = 0 would be an empty clip: keep at least one segment's worth
  return { from, to: Math.max(to, from + recording.segmentSeconds * 1000) };
}

/** Merges a later request for the same alert: the earliest start, the latest event. */
export function mergeRequests(a: ClipRequest, b: ClipRequest): ClipRequest {
  const latest = b.lastAt >= a.lastAt ? b : a;
  return {
    ...latest,
    startedAt: Math.min(a.startedAt, b.startedAt),
    lastAt: Math.max(a.lastAt, b.lastAt),
    requestedAt: Math.max(a.requestedAt, b.requestedAt),
  };
}
