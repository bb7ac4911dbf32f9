import type { EvidenceRecord } from './evidence.repository';
import { evidenceView } from './evidence-view';

const row = (over: Partial<EvidenceRecord> = {}): EvidenceRecord => ({
  alert_id: 'a1',
  camera_id: 'cam-a',
  status: 'truncated',
  reason: 'camera_offline',
  clip_path: 'clips/cam-a/a1.mp4',
  snapshot_path: null,
  requested_from: 1_000,
  requested_to: 21_000,
  clip_from: 1_000,
  clip_to: 21_000,
  duration_ms: 16_000,
  bytes: 1_000,
  ingest_id: 'ingest-a',
  requested_at: 1,
  request_due: null,
  result_at: 2,
  deleted_at: null,
  updated_at: 2,
  ...over,
});

describe('evidenceView', () => {
  it("gives a clip's recorded time as ingest measured it: holes (camera offline) are not in the MP4", () => {
    expect(evidenceView('a1', row()).durationMs).toBe(16_000); // before: clipTo − clipFrom, 20 000
  });

  it('falls back to clipTo − clipFrom for results of older ingests (no durationMs), and null without a clip', () => {
    expect(evidenceView('a1', row({ duration_ms: null })).durationMs).toBe(20_000);
    expect(evidenceView('a1', row({ duration_ms: null, clip_from: null, clip_to: null })).durationMs).toBeNull();
    expect(evidenceView('a1', undefined).durationMs).toBeNull();
  });
});
