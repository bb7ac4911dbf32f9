import '../testing/nest-esm';
import type { AlertEvent } from '@xl/contracts';
import { EventPublisher, type PushEvent } from '../shared/push-events';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { AlertIntakeService } from './alert-intake.service';

// The analyzer relates a zone_enter or dwell raised within repeatMergeSeconds of the rule's previous
// alert to that alert (libs/rules presence.ts, docs/rules.md "Repeated entries"). What the operators
// get from it is this intake's doing: one alert while it is unresolved, the return visible as an
// update, a critical entry still an alarm, and a new alert once the earlier one is resolved.
describe.each(DATABASE_KINDS)('repeated entries merged by the intake on %s', (kind) => {
  let t: TestApp;
  let intake: AlertIntakeService;
  let pushes: PushEvent[];
  let admin: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    intake = t.app.get(AlertIntakeService);
    pushes = [];
    jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => void pushes.push(event));
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = async (id: string) => t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin);
  const pushesOf = (id: string, type: PushEvent['type']) => pushes.filter((p) => p.data.id === id && p.type === type);
  /** A new track's entry as the analyzer sends it when it repeats `earlier` after `afterMs`. */
  const repeatOf = (earlier: AlertEvent, afterMs: number, over: Partial<AlertEvent> = {}) =>
    alertEvent({
      cameraId: earlier.cameraId,
      severity: earlier.severity,
      startedAt: earlier.startedAt + afterMs,
      relatedAlertId: earlier.alertId,
      message: `person in water zone 'pond' again (track 9, ${afterMs / 1000}.0 s after the last alert of this rule)`,
      ...over,
    });

  it('merges a reflection that keeps coming back into the alert the operators have, visibly, and opens a new one once it is resolved', async () => {
    const first = alertEvent({ cameraId: 'cam-a' });
    expect(await intake.consume(first)).toBe('created');
    const second = repeatOf(first, 15_000);
    expect(await intake.consume(second)).toBe('updated');
    const third = repeatOf(second, 15_000); // names the second, which joined the first
    expect(await intake.consume(third)).toBe('updated');
    expect((await get(second.alertId)).status).toBe(404);
    expect((await get(third.alertId)).status).toBe(404);
    const merged = (await get(first.alertId)).body;
    expect(merged).toMatchObject({ state: 'open', severity: 'major', rule: 'zone_enter', message: third.message });
    expect(merged.transitions.map((x: { action: string }) => x.action)).toEqual(['open', 'supersede', 'supersede']);
    // Each return reaches the screens as an update of that alert, saying it came back; no alarm.
    expect(pushesOf(first.alertId, 'alert.updated').map((p) => [p.data.message, p.data.alarm])).toEqual([
      [second.message, false],
      [third.message, false],
    ]);

    const id = encodeURIComponent(first.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'false_alarm' }).expect(200);
    const fourth = repeatOf(third, 15_000);
    expect(await intake.consume(fourth)).toBe('created');
    expect((await get(fourth.alertId)).body).toMatchObject({ state: 'open', relatedAlertId: first.alertId });
  });

  it('still alarms for an entry of a critical rule merged into a claimed alert: reopened, alarmed anew', async () => {
    const first = alertEvent({ cameraId: 'cam-a', severity: 'critical' });
    expect(await intake.consume(first)).toBe('created');
    const id = encodeURIComponent(first.alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({}).expect(200);
    const alarmedAt = (await get(first.alertId)).body.alarmedAt;
    await new Promise((r) => setTimeout(r, 20)); // a later alarm time than the first
    // A second person 30 s later: the analyzer relates it to the first entry's alert.
    const second = repeatOf(first, 30_000);
    expect(await intake.consume(second)).toBe('updated');
    const after = (await get(first.alertId)).body;
    expect(after).toMatchObject({ state: 'open', severity: 'critical', message: second.message });
    expect(after.alarmedAt).toBeGreaterThan(alarmedAt);
    expect(pushesOf(first.alertId, 'alert.updated').at(-1)?.data).toMatchObject({ state: 'open', alarm: true });
  });
});
