import type { AlertOutcome, AlertState } from '../db/schema';
import type { Severity } from '@xl/contracts';

/** How long evidence of a resolved alert is kept, by outcome, with a floor for critical alerts. */
export interface RetentionPolicy {
  days: Record<AlertOutcome, number>;
  /** Critical alerts (drowning) keep their evidence at least this long whatever the outcome. */
  criticalMinDays: number;
  /** Disk budget of all evidence; above it the oldest deletable evidence goes first. */
  maxBytes: number;
}

export interface EvidenceHolding {
  alertId: string;
  state: AlertState;
  outcome: AlertOutcome | null;
  severity: Severity;
  /** When the alert started (age for the disk budget). */
  startedAt: number;
  resolvedAt: number | null;
  bytes: number;
}

const DAY_MS = 86_400_000;

/** When a resolved alert's evidence may go; null while the alert is not resolved (never deleted). */
export function keepUntil(h: EvidenceHolding, policy: RetentionPolicy): number | null {
  if (h.state !== 'resolved' || h.resolvedAt === null) return null;
  const byOutcome = h.outcome ? policy.days[h.outcome] : Math.max(...Object.values(policy.days));
  const days = h.severity === 'critical' ? Math.max(byOutcome, policy.criticalMinDays) : byOutcome;
  return h.resolvedAt + days * DAY_MS;
}

export interface RetentionDecision {
  alertId: string;
  why: 'expired' | 'disk_budget';
}

/**
 * What to delete now: every resolved alert's evidence past its keep date, then, while the total
 * is over the budget, the oldest remaining resolved ones. Evidence of an alert that is not
 * resolved (open, acknowledged, dispatched) is never chosen, even over budget.
 */
export function evidenceToDelete(holdings: readonly EvidenceHolding[], policy: RetentionPolicy, now: number): RetentionDecision[] {
  const decisions: RetentionDecision[] = [];
  const kept: EvidenceHolding[] = [];
  let total = 0;
  for (const h of holdings) {
    const until = keepUntil(h, policy);
    if (until !== null && until <= now) decisions.push({ alertId: h.alertId, why: 'expired' });
    else {
      kept.push(h);
      total += h.bytes;
    }
  }
  if (total <= policy.maxBytes) return decisions;
  const deletable = kept.filter((h) => keepUntil(h, policy) !== null).sort((a, b) => a.startedAt - b.startedAt);
  for (const h of deletable) {
    if (total <= policy.maxBytes) break;
    decisions.push({ alertId: h.alertId, why: 'disk_budget' });
    total -= h.bytes;
  }
  return decisions;
}
