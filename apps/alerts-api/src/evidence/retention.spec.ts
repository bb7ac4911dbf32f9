import { evidenceToDelete, keepUntil, type EvidenceHolding, type RetentionPolicy } from './retention';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const policy: RetentionPolicy = { days: { false_alarm: 7, true_alarm: 180, duplicate: 7, recovered: 30 }, criticalMinDays: 30, maxBytes: 1000 };
const held = (over: Partial<EvidenceHolding> & { alertId: string }): EvidenceHolding => ({
  state: 'resolved', outcome: 'true_alarm', severity: 'major', startedAt: NOW - 10 * DAY, resolvedAt: NOW - 9 * DAY, bytes: 100, ...over,
});

describe('keepUntil', () => {
  it('keeps by outcome from the resolution, critical alerts at least criticalMinDays', () => {
    expect(keepUntil(held({ alertId: 'a', outcome: 'false_alarm' }), policy)).toBe(NOW - 9 * DAY + 7 * DAY);
    expect(keepUntil(held({ alertId: 'a', outcome: 'false_alarm', severity: 'critical' }), policy)).toBe(NOW - 9 * DAY + 30 * DAY);
    expect(keepUntil(held({ alertId: 'a', outcome: 'true_alarm', severity: 'critical' }), policy)).toBe(NOW - 9 * DAY + 180 * DAY);
  });

  it('never sets a date for an alert that is not resolved', () => {
    for (const state of ['open', 'acknowledged', 'dispatched'] as const) expect(keepUntil(held({ alertId: 'a', state, resolvedAt: null }), policy)).toBeNull();
  });
});

describe('evidenceToDelete', () => {
  it('deletes what expired (false alarm after 7 days), keeps true alarms', () => {
    const decisions = evidenceToDelete([held({ alertId: 'fa', outcome: 'false_alarm' }), held({ alertId: 'ta' })], policy, NOW);
    expect(decisions).toEqual([{ alertId: 'fa', why: 'expired' }]);
  });

  it('over the budget deletes the oldest resolved first, and never an unresolved alert', () => {
    const holdings = [
      held({ alertId: 'open-old', state: 'open', resolvedAt: null, outcome: null, startedAt: NOW - 100 * DAY, bytes: 600 }),
      held({ alertId: 'ta-old', startedAt: NOW - 50 * DAY, bytes: 300 }),
      held({ alertId: 'ta-mid', startedAt: NOW - 40 * DAY, bytes: 300 }),
      held({ alertId: 'ta-new', startedAt: NOW - 1 * DAY, bytes: 300 }),
    ];
    // 1500 bytes against 1000: the two oldest resolved go; the open one stays although it is the oldest
    expect(evidenceToDelete(holdings, policy, NOW)).toEqual([
      { alertId: 'ta-old', why: 'disk_budget' },
      { alertId: 'ta-mid', why: 'disk_budget' },
    ]);
    // only unresolved evidence over the budget: nothing is deleted
    expect(evidenceToDelete([holdings[0], held({ alertId: 'o2', state: 'dispatched', resolvedAt: null, bytes: 900 })], policy, NOW)).toEqual([]);
  });
});
