import type { EvidenceRecord } from './evidence.repository';

/** An alert's evidence as REST returns it: status, what the clip covers, where to fetch the files. */
export function evidenceView(alertId: string, e: EvidenceRecord | undefined) {
  const base = `/alerts/${encodeURIComponent(alertId)}`;
  if (!e) return { status: 'none' as const, reason: null, clipUrl: null, hiresSnapshotUrl: null, clipFrom: null, clipTo: null, durationMs: null, requestedFrom: null, requestedTo: null, bytes: 0 };
  const clipFrom = e.clip_from === null ? null : Number(e.clip_from);
  const clipTo = e.clip_to === null ? null : Number(e.clip_to);
  // The recorded time (holes left out) where ingest says it; results of older ingests: the span.
  const span = clipFrom !== null && clipTo !== null ? clipTo - clipFrom : null;
  const durationMs = e.duration_ms === null || e.duration_ms === undefined ? span : Number(e.duration_ms);
  return {
    /** none | pending | complete | truncated (shorter than asked; `reason` says why) | unavailable | deleted (retention) */
    status: e.status,
    reason: e.reason,
    clipUrl: e.clip_path ? `${base}/clip` : null,
    hiresSnapshotUrl: e.snapshot_path ? `${base}/hires-snapshot` : null,
    clipFrom,
    clipTo,
    durationMs,
    requestedFrom: e.requested_from === null ? null : Number(e.requested_from),
    requestedTo: e.requested_to === null ? null : Number(e.requested_to),
    bytes: Number(e.bytes),
  };
}

export type EvidenceView = ReturnType<typeof evidenceView>;
