import '../testing/nest-esm';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';

describe.each(DATABASE_KINDS)('camera maintenance windows on %s', (kind) => {
  let t: TestApp;
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });
  const offlineAlertsOf = async (cameraId: string) =>
    (await t.http.get('/alerts').query({ camera: cameraId, rule: 'camera_offline' }).set(await auth('admin'))).body.items as Array<{ id: string }>;
  /** Health alerts held back at intake so far, as /metrics counts them. */
  const suppressedCount = async () => {
    const sample = /^xl_alert_intake_events_total\{outcome="suppressed"\} (\d+)$/m.exec((await t.http.get('/metrics')).text);
    if (!sample) throw new Error('xl_alert_intake_events_total{outcome="suppressed"} missing from /metrics');
    return Number(sample[1]);
  };

  beforeAll(async () => {
    // No escalation; an offline camera raises its alert after 0.5 s.
    t = await startTestApp(kind, { SLA_CRITICAL_SECONDS: '0', SLA_MAJOR_SECONDS: '0', SLA_WARNING_SECONDS: '0', CAMERA_OFFLINE_ALERT_SECONDS: '0.5' });
    await createWorld(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("holds back the camera's health alerts during maintenance, never its safety alerts, and shows the window", async () => {
    const before = Date.now();
    const res = await t.http.put('/cameras/cam-a/maintenance').set(await auth('op-a')).send({ minutes: 30, note: 'replacing the lens' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ cameraId: 'cam-a', note: 'replacing the lens', setBy: 'op-a' });
    expect(res.body.until).toBeGreaterThanOrEqual(before + 30 * 60_000);
    const camera = await t.http.get('/cameras/cam-a').set(await auth('op-a'));
    expect(camera.body.maintenance).toEqual({ until: res.body.until, note: 'replacing the lens', setBy: 'op-a' });
    expect((await t.http.get('/cameras/cam-a2').set(await auth('op-a'))).body.maintenance).toBeNull();

    const intake = t.app.get(AlertIntakeService);
    const frozen = (cameraId: string) => alertEvent({ cameraId, rule: 'camera_frozen', ruleId: 'health.frozen', severity: 'major', boxes: [] });
    expect(await intake.consume(frozen('cam-a'))).toBe('suppressed');
    expect(await intake.consume(alertEvent({ cameraId: 'cam-a' }))).toBe('created'); // a person in the water still counts
    expect(await intake.consume(frozen('cam-a2'))).toBe('created'); // another camera is not in maintenance
    const frozenOfA = (await t.http.get('/alerts').query({ camera: 'cam-a', rule: 'camera_frozen' }).set(await auth('admin'))).body.items;
    expect(frozenOfA).toEqual([]);
    const metrics = (await t.http.get('/metrics')).text;
    expect(metrics).toMatch(/xl_alert_intake_events_total\{outcome="suppressed"\} [1-9]/);
  });

  it('raises camera_offline when the window ends and the camera is still dark, not before', async () => {
    expect((await t.http.put('/cameras/cam-a3/maintenance').set(await auth('op-a')).send({ minutes: 60 })).status).toBe(200);
    const suppressedBefore = await suppressedCount();
    await t.app.get(CameraStatusService).handle({ cameraId: 'cam-a3', status: 'offline', reason: 'refused', at: Date.now(), ingestId: 'i1' });
    // Past the 0.5 s threshold its alert came, and was held back.
    await eventually(async () => (await suppressedCount()) === suppressedBefore + 1, 'the camera_offline of cam-a3 held back at intake');
    expect(await offlineAlertsOf('cam-a3')).toEqual([]);
    expect((await t.http.delete('/cameras/cam-a3/maintenance').set(await auth('op-a'))).status).toBe(204);
    await eventually(async () => (await offlineAlertsOf('cam-a3')).length === 1, 'camera_offline of cam-a3 after the window');
    expect((await t.http.get('/cameras/cam-a3').set(await auth('op-a'))).body.maintenance).toBeNull();
  });

  it('lets admins and operators in scope set and end it; validates the length', async () => {
    const put = async (user: string, camera: string, body: object) => (await t.http.put(`/cameras/${camera}/maintenance`).set(await auth(user)).send(body)).status;
    expect(await put('viewer-a', 'cam-a', { minutes: 30 })).toBe(403);
    expect(await put('school-a', 'cam-a', { minutes: 30 })).toBe(403);
    expect(await put('op-b', 'cam-a', { minutes: 30 })).toBe(404); // county B cannot see county A's camera
    expect(await put('admin', 'nope', { minutes: 30 })).toBe(404);
    const short = await t.http.put('/cameras/cam-b/maintenance').set(await auth('admin')).send({ minutes: 1 });
    expect(short.status).toBe(400);
    expect(short.body.message).toMatch(/^body\.minutes: /);
    expect((await t.http.put('/cameras/cam-b/maintenance').set(await auth('admin')).send({ minutes: 30, extra: 1 })).status).toBe(400);
    expect(await put('op-b', 'cam-b', { minutes: 30 })).toBe(200);
    expect((await t.http.delete('/cameras/cam-b/maintenance').set(await auth('op-a'))).status).toBe(404);
    expect((await t.http.delete('/cameras/cam-b/maintenance').set(await auth('op-b'))).status).toBe(204);
  });
});
