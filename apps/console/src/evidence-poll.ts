import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';

export type EvidenceSummary = Awaited<ReturnType<Api['evidence']>>;

/**
 * Evidence being cut is read again this often. alerts-api pushes nothing when a clip arrives (the
 * alert's updatedAt does not move), so an operator who opened the alert when it was raised would see
 * "being cut" until something else changed it; a clip arrives `postSeconds` (10 s) and a cut after
 * the alert's latest event, so 10 s shows it soon after at one small request per open detail.
 */
export const EVIDENCE_REREAD_MS = 10_000;
/** Failed re-reads (API or network down) wait twice as long each time, up to this. */
export const EVIDENCE_REREAD_MAX_MS = 60_000;
/**
 * `none` is read again this many times: alerts-api stores the clip request just after it pushes
 * alert.created, so a detail opened on that push can read the evidence before it exists. An alert
 * that never asked (alerts-api without evidence, alerts stored before it) stops there.
 */
export const EVIDENCE_NONE_REREADS = 3;

export interface EvidenceReads {
  /** Re-reads that failed in a row. */
  failures: number;
  /** Answers that said `none`. */
  noneAnswers: number;
}

/**
 * When to read the evidence again, in ms, or null: never while it is final (complete, truncated,
 * unavailable, deleted) or nothing is shown (the first read failed, as before: the detail says why).
 */
export function nextEvidenceRead(status: string | null, reads: EvidenceReads): number | null {
  const waiting = status === 'pending' || (status === 'none' && reads.noneAnswers <= EVIDENCE_NONE_REREADS);
  if (!waiting) return null;
  return Math.min(EVIDENCE_REREAD_MS * 2 ** reads.failures, EVIDENCE_REREAD_MAX_MS);
}

/**
 * The alert's evidence, read when `id` or `reload` (the pushed alert's updatedAt) changes and again
 * while it is being cut (`nextEvidenceRead`). A failed re-read keeps what is shown. Stops when the
 * detail closes or shows another alert; an answer about the previous one is dropped.
 */
export function useEvidence(api: Pick<Api, 'evidence'>, id: string, reload: unknown): EvidenceSummary | null {
  const [evidence, setEvidence] = useState<EvidenceSummary | null>(null);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let shown: string | null = null;
    const reads: EvidenceReads = { failures: 0, noneAnswers: 0 };
    const schedule = () => {
      const delay = nextEvidenceRead(shown, reads);
      if (delay !== null) timer = setTimeout(read, delay);
    };
    const read = () => {
      api.evidence(id).then(
        (e) => {
          if (!current) return;
          setEvidence(e);
          shown = e.status;
          reads.failures = 0;
          if (e.status === 'none') reads.noneAnswers += 1;
          schedule();
        },
        () => {
          if (!current) return;
          if (shown === null) return setEvidence(null);
          reads.failures += 1;
          schedule();
        },
      );
    };
    read();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, id, reload]);
  return evidence;
}
