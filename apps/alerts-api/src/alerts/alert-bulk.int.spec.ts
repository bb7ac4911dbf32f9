import '../testing/nest-esm';
import type { AlertEvent } from '@xl/contracts';
import { EventPublisher, type PushEvent } from '../shared/push-events';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { AlertIntakeService } from './alert-intake.service';
import { BULK_MAX_ALERTS } from './alert-bulk.service';
import { AlertsService } from './alerts.service';

interface Transition {
  action: string;
  from: string;
  to: string;
  actor: { name: string };
  note: string | null;
  outcome: string | null;
}

describe.each(DATABASE_KINDS)('handling alerts in bulk on %s', (kind) => {
  let t: TestApp;
  let pushes: PushEvent[];
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    pushes = [];
    jest.spyOn(t.app.get(EventPublisher), 'publish').mockImplementation(async (event) => {
      pushes.push(event);
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  async function raise(overrides: Partial<AlertEvent> & { cameraId: string }): Promise<string> {
    const event = alertEvent(overrides);
    await t.app.get(AlertIntakeService).consume(event);
    return event.alertId;
  }
  const enc = encodeURIComponent;
  const detail = async (id: string) => (await t.http.get(`/alerts/${enc(id)}`).set(await auth('admin')).expect(200)).body as { state: string; outcome: string | null; transitions: Transition[] };

  it('acknowledges each alert it may and says per alert why not the others', async () => {
    const open = [await raise({ cameraId: 'cam-a' }), await raise({ cameraId: 'cam-a', rule: 'crowd', ruleId: 'crowd' })];
    const critical = await raise({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical' });
    const elsewhere = await raise({ cameraId: 'cam-b' });
    const claimed = await raise({ cameraId: 'cam-a' });
    const op = await auth('op-a');
    await t.http.post(`/alerts/${enc(claimed)}/acknowledge`).set(op).send({}).expect(200);
    pushes.length = 0;

    const res = await t.http
      .post('/alerts/bulk/acknowledge')
      .set(op)
      .send({ ids: [...open, critical, elsewhere, 'cam-a:no-such-alert', claimed], note: 'festival crowd, seen on the wall' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ succeeded: 2, failed: 4 });
    expect(res.body.results).toEqual([
      { id: open[0], ok: true, state: 'acknowledged' },
      { id: open[1], ok: true, state: 'acknowledged' },
      { id: critical, ok: false, status: 422, error: expect.stringMatching(/critical \(vanish_in_water\).*on its own/) },
      { id: elsewhere, ok: false, status: 404, error: expect.stringContaining(elsewhere) },
      { id: 'cam-a:no-such-alert', ok: false, status: 404, error: expect.stringContaining('not found') },
      { id: claimed, ok: false, status: 409, error: expect.stringContaining('acknowledged') },
    ]);

    for (const id of open) {
      const d = await detail(id);
      expect(d.state).toBe('acknowledged');
      expect(d.transitions.at(-1)).toMatchObject({ action: 'acknowledge', from: 'open', to: 'acknowledged', actor: { name: 'op-a' }, note: 'festival crowd, seen on the wall' });
    }
    expect((await detail(critical)).state).toBe('open');
    expect((await detail(elsewhere)).state).toBe('open');
    // Every screen hears of each change, as for alerts handled one by one.
    expect(pushes.filter((p) => p.type === 'alert.updated').map((p) => p.data.id).sort()).toEqual([...open].sort());
  });

  it('resolves open, acknowledged and dispatched alerts with one outcome; an open one is claimed first by the same person', async () => {
    const op = await auth('op-a');
    const open = await raise({ cameraId: 'cam-a' });
    const acknowledged = await raise({ cameraId: 'cam-a' });
    const dispatched = await raise({ cameraId: 'cam-a' });
    await t.http.post(`/alerts/${enc(acknowledged)}/acknowledge`).set(op).send({}).expect(200);
    await t.http.post(`/alerts/${enc(dispatched)}/acknowledge`).set(op).send({}).expect(200);
    await t.http.post(`/alerts/${enc(dispatched)}/dispatch`).set(op).send({ assignee: 'grid worker Li' }).expect(200);

    const res = await t.http.post('/alerts/bulk/resolve').set(op).send({ ids: [open, acknowledged, dispatched], outcome: 'false_alarm', note: 'rain on the lens' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      succeeded: 3,
      failed: 0,
      results: [open, acknowledged, dispatched].map((id) => ({ id, ok: true, state: 'resolved' })),
    });
    for (const id of [open, acknowledged, dispatched]) expect(await detail(id)).toMatchObject({ state: 'resolved', outcome: 'false_alarm' });
    const trail = (await detail(open)).transitions.map((tr) => [tr.action, tr.from, tr.to, tr.actor.name, tr.note, tr.outcome]);
    expect(trail.slice(-2)).toEqual([
      ['acknowledge', 'open', 'acknowledged', 'op-a', 'rain on the lens', null],
      ['resolve', 'acknowledged', 'resolved', 'op-a', 'rain on the lens', 'false_alarm'],
    ]);
  });

  it('never resolves a critical alert in bulk, even among others', async () => {
    const op = await auth('op-city');
    const critical = await raise({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical' });
    const other = await raise({ cameraId: 'cam-b' });
    const res = await t.http.post('/alerts/bulk/resolve').set(op).send({ ids: [critical, other], outcome: 'duplicate' });
    expect(res.body.results.map((r: { ok: boolean; status?: number }) => r.status ?? 200)).toEqual([422, 200]);
    expect((await detail(critical)).state).toBe('open');
    expect((await detail(critical)).transitions.map((tr) => tr.action)).toEqual(['open']);
  });

  it('refuses an alert raised to critical between its read and its step, on the locked row', async () => {
    const enter = alertEvent({ cameraId: 'cam-a' });
    await t.app.get(AlertIntakeService).consume(enter);
    const vanish = alertEvent({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', relatedAlertId: enter.alertId, capturedAt: enter.capturedAt + 4000 });
    const service = t.app.get(AlertsService);
    const read = service.visible.bind(service);
    const spy = jest.spyOn(service, 'visible').mockImplementationOnce(async (principal, id) => {
      const seen = await read(principal, id);
      await t.app.get(AlertIntakeService).consume(vanish);
      return seen;
    });
    try {
      const res = await t.http.post('/alerts/bulk/resolve').set(await auth('op-city')).send({ ids: [enter.alertId], outcome: 'false_alarm' });
      expect(res.body.results).toEqual([{ id: enter.alertId, ok: false, status: 422, error: expect.stringMatching(/critical \(vanish_in_water\).*on its own/) }]);
    } finally {
      spy.mockRestore();
    }
    expect((await detail(enter.alertId)).state).toBe('open');
  });

  it('lets a school acknowledge its own warnings in bulk but not resolve them; a viewer does neither', async () => {
    const mine = await raise({ cameraId: 'cam-a' });
    const school = await auth('school-a');
    expect((await t.http.post('/alerts/bulk/resolve').set(school).send({ ids: [mine], outcome: 'true_alarm' })).status).toBe(403);
    const viewer = await auth('viewer-a');
    expect((await t.http.post('/alerts/bulk/acknowledge').set(viewer).send({ ids: [mine] })).status).toBe(403);
    const res = await t.http.post('/alerts/bulk/acknowledge').set(school).send({ ids: [mine] }).expect(200);
    expect(res.body.results).toEqual([{ id: mine, ok: true, state: 'acknowledged' }]);
  });

  it('refuses a request it cannot take, naming the field', async () => {
    const op = await auth('op-a');
    const id = await raise({ cameraId: 'cam-a' });
    const cases: [string, object, RegExp][] = [
      ['acknowledge', { ids: [] }, /body\.ids/],
      ['acknowledge', { ids: Array.from({ length: BULK_MAX_ALERTS + 1 }, (_, i) => `a-${i}`) }, /body\.ids/],
      ['acknowledge', { ids: [id, id] }, /body\.ids: lists an alert twice/],
      ['acknowledge', { ids: [id], extra: 1 }, /extra/],
      ['resolve', { ids: [id] }, /body\.outcome/],
      ['resolve', { ids: [id], outcome: 'recovered' }, /body\.outcome/],
    ];
    for (const [action, body, message] of cases) {
      const res = await t.http.post(`/alerts/bulk/${action}`).set(op).send(body);
      expect([action, body, res.status]).toEqual([action, body, 400]);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
    expect((await detail(id)).state).toBe('open');
  });

  it(`handles ${BULK_MAX_ALERTS} alerts in one request`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < BULK_MAX_ALERTS; i++) ids.push(await raise({ cameraId: i % 2 ? 'cam-a' : 'cam-a3', rule: 'crowd', ruleId: 'crowd' }));
    const started = Date.now();
    const res = await t.http.post('/alerts/bulk/resolve').set(await auth('op-a')).send({ ids, outcome: 'duplicate' });
    const tookMs = Date.now() - started;
    expect(res.body).toMatchObject({ succeeded: BULK_MAX_ALERTS, failed: 0 });
    console.log(`bulk resolve of ${BULK_MAX_ALERTS} open alerts on ${kind}: ${tookMs} ms`);
  });
});
