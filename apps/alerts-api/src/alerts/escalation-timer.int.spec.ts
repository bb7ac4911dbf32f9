import '../testing/nest-esm';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { createWorld } from '../testing/world';
import { AlertIntakeService } from './alert-intake.service';

// The other timer suites sweep the database every 0.5 s, which stands in for any timer that was
// never armed within about a second. Here the sweep runs every 60 s, past the end of the test, so
// only the BullMQ timers the intake arms can escalate: a lost re-arm made a drowning escalate 10–20 s
// late on its 60 s SLA (at the default 10 s sweep). The major SLA (30 s) is past the test too, so the
// alert's first timer cannot do it either. One database: the timer is armed after the commit, the
// same on each.
const ENV = { SLA_CRITICAL_SECONDS: '1', SLA_MAJOR_SECONDS: '30', TIMER_SWEEP_SECONDS: '60' };
/** Generous for a loaded 2-core machine, and far inside the major SLA and the sweep. */
const ESCALATED_WITHIN_MS = 8000;

describe('escalation timers re-armed by the intake (no database sweep within the test)', () => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp('sqlite', ENV);
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => t?.close());

  const detail = async (id: string) => (await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin)).body;

  it("escalates a zone_enter raised to critical by its vanish on the critical SLA's timer, not the major one's or the sweep's", async () => {
    const intake = t.app.get(AlertIntakeService);
    const enter = alertEvent({ cameraId: 'cam-a', startedAt: Date.now() - 500 });
    await intake.consume(enter);
    const entered = await detail(enter.alertId);
    expect(entered).toMatchObject({ severity: 'major', escalationLevel: 0 });

    await intake.consume(alertEvent({ cameraId: 'cam-a', ruleId: 'pond.vanish', rule: 'vanish_in_water', severity: 'critical', relatedAlertId: enter.alertId, startedAt: Date.now() }));
    const raised = await detail(enter.alertId);
    // The deadline was tightened in the database; only a re-armed timer acts on it in time.
    expect(raised).toMatchObject({ severity: 'critical', escalationLevel: 0 });
    expect(raised.escalationDueAt).toBeLessThan(entered.escalationDueAt);

    const escalated = await eventually(async () => {
      const body = await detail(enter.alertId);
      return body.escalationLevel >= 1 && body;
    }, 'the first escalation of the drowning', ESCALATED_WITHIN_MS);
    expect(escalated.severity).toBe('critical');
    expect(Date.now()).toBeGreaterThanOrEqual(raised.escalationDueAt); // on its deadline, not before
  });

  it('escalates a claimed alert that a drowning opened again on the timer armed when it reopened', async () => {
    const intake = t.app.get(AlertIntakeService);
    const enter = alertEvent({ cameraId: 'cam-a', trackId: 31, startedAt: Date.now() - 500 });
    await intake.consume(enter);
    await t.http.post(`/alerts/${encodeURIComponent(enter.alertId)}/acknowledge`).set(admin).send({}).expect(200);
    expect(await detail(enter.alertId)).toMatchObject({ state: 'acknowledged', escalationDueAt: null });

    await intake.consume(alertEvent({ cameraId: 'cam-a', trackId: 31, ruleId: 'pond.vanish', rule: 'vanish_in_water', severity: 'critical', relatedAlertId: enter.alertId, startedAt: Date.now() }));
    // Reopened with a new deadline in the database; the acknowledgement had cancelled the old timer.
    const reopened = await detail(enter.alertId);
    expect(reopened).toMatchObject({ state: 'open', severity: 'critical', escalationLevel: 0, escalationDueAt: expect.any(Number) });

    await eventually(async () => (await detail(enter.alertId)).escalationLevel >= 1, 'the first escalation of the reopened drowning', ESCALATED_WITHIN_MS);
    expect(Date.now()).toBeGreaterThanOrEqual(reopened.escalationDueAt);
  });
});
