import '../testing/nest-esm';
import { Registry } from 'prom-client';
import { ApiMetrics, ESCALATION_LEVELS } from './api-metrics';

describe('ApiMetrics', () => {
  it('starts every series an increase() rule reads at 0, so that the first event of a process counts', async () => {
    const registry = new Registry();
    new ApiMetrics(registry);
    const text = await registry.metrics();
    // XlAlertsEscalating: every level an alert can reach (village → township → county → city).
    expect(ESCALATION_LEVELS).toEqual(['1', '2', '3']);
    for (const level of ESCALATION_LEVELS) expect(text).toContain(`xl_alert_escalations_total{level="${level}"} 0\n`);
    // XlInvalidAlertEvents, XlAlertIntakeFailing, and the rest of the intake's outcomes.
    for (const outcome of ['created', 'updated', 'duplicate', 'suppressed', 'closed', 'ended', 'invalid', 'retried', 'failed']) {
      expect(text).toContain(`xl_alert_intake_events_total{outcome="${outcome}"} 0\n`);
    }
  });
});
