import '../testing/nest-esm';
import type { AlertEvent } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { HeldHealthAlertsRepository } from './held-health-alerts.repository';
import { MaintenanceRepository } from './maintenance.repository';

describe.each(DATABASE_KINDS)('camera maintenance windows on %s', (kind) => {
  let t: TestApp;
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });
  const alertsOf = async (cameraId: string, rule: string) =>
    (await t.http.get('/alerts').query({ camera: cameraId, rule }).set(await auth('admin'))).body.items as Array<{ id: string; state: string; startedAt: number; capturedAt: number }>;
  const offlineAlertsOf = (cameraId: string) => alertsOf(cameraId, 'camera_offline');
  /** A picture health event of the analyzer: about the camera, no zone, no track. */
  const health = (cameraId: string, rule: AlertEvent['rule'], ruleId: string) => alertEvent({ cameraId, rule, ruleId, severity: 'major', zoneId: undefined, trackId: undefined, boxes: [] });
  const endOf = (event: AlertEvent): AlertEvent => ({ ...event, kind: 'ended', capturedAt: event.capturedAt + 5000, message: 'picture recovered' });
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

  it('raises a picture problem held through the window that outlasts it, dated from its start; not one that ended during it', async () => {
    const intake = t.app.get(AlertIntakeService);
    const put = async () => expect((await t.http.put('/cameras/cam-a2/maintenance').set(await auth('op-a')).send({ minutes: 30, note: 'new lens' })).status).toBe(200);
    await put();
    // The repair leaves the lens covered; the picture blurs a while and recovers; the camera drops once.
    const covered = health('cam-a2', 'camera_covered', 'health.covered');
    const blurred = health('cam-a2', 'camera_blurred', 'health.blurred');
    const offline = { ...health('cam-a2', 'camera_offline', 'health.offline'), alertId: `camera_offline:cam-a2:${Date.now()}` };
    expect(await intake.consume(covered)).toBe('suppressed');
    expect(await intake.consume(covered)).toBe('suppressed'); // redelivered: still one held
    expect(await intake.consume(blurred)).toBe('suppressed');
    expect(await intake.consume(offline)).toBe('suppressed');
    expect(await intake.consume(endOf(blurred))).toBe('ended');
    expect(await alertsOf('cam-a2', 'camera_covered')).toEqual([]);

    // Extended by a second PUT: still held, and the sweep's step meanwhile raises nothing.
    await put();
    expect(await intake.releaseAfterWindows()).toBe(0);
    expect(await alertsOf('cam-a2', 'camera_covered')).toEqual([]);
    expect((await t.app.get(HeldHealthAlertsRepository).ofCamera('cam-a2')).map((e) => e.alertId)).toEqual([covered.alertId]);

    expect((await t.http.delete('/cameras/cam-a2/maintenance').set(await auth('op-a'))).status).toBe(204);
    const raised = await alertsOf('cam-a2', 'camera_covered');
    expect(raised).toEqual([expect.objectContaining({ id: covered.alertId, state: 'open', startedAt: covered.startedAt, capturedAt: covered.capturedAt })]);
    expect(await alertsOf('cam-a2', 'camera_blurred')).toEqual([]);
    // camera_offline is not held: the end checks the camera's status afresh (it never went dark).
    expect(await offlineAlertsOf('cam-a2')).toEqual([]);
    expect(await t.app.get(HeldHealthAlertsRepository).ofCamera('cam-a2')).toEqual([]);

    // Its end, after the window, leaves the alert to the operators.
    expect(await intake.consume(endOf(covered))).toBe('ended');
    expect((await alertsOf('cam-a2', 'camera_covered'))[0]).toMatchObject({ id: covered.alertId, state: 'open' });
    // Nor does an end ever close a safety alert (should a producer send one).
    const entry = alertEvent({ cameraId: 'cam-a2' });
    expect(await intake.consume(entry)).toBe('created');
    expect(await intake.consume(endOf(entry))).toBe('ended');
    expect((await alertsOf('cam-a2', 'zone_enter')).find((a) => a.id === entry.alertId)).toMatchObject({ state: 'open', capturedAt: entry.capturedAt });
    expect((await t.http.get('/metrics')).text).toMatch(/xl_alert_intake_events_total\{outcome="ended"\} [1-9]/);
  });

  it('raises from the sweep what a window that ran out without its end left held', async () => {
    const intake = t.app.get(AlertIntakeService);
    expect((await t.http.put('/cameras/cam-b/maintenance').set(await auth('admin')).send({ minutes: 30 })).status).toBe(200);
    const moved = health('cam-b', 'camera_moved', 'health.moved');
    expect(await intake.consume(moved)).toBe('suppressed');
    // The window ran out and its end never ran (the instance died, the timer was lost).
    const windows = t.app.get(MaintenanceRepository);
    const window = await windows.activeAt('cam-b', Date.now());
    await windows.save({ ...window!, until: Date.now() - 1 });
    // This sweep, or the periodic one it finds running.
    await t.app.get(CameraStatusService).sweep();
    await eventually(async () => (await alertsOf('cam-b', 'camera_moved')).length > 0, 'the camera_moved of cam-b raised by the sweep');
    expect(await alertsOf('cam-b', 'camera_moved')).toEqual([expect.objectContaining({ id: moved.alertId, state: 'open', startedAt: moved.startedAt })]);
    expect(await t.app.get(HeldHealthAlertsRepository).ofCamera('cam-b')).toEqual([]);
  });

  it("drops a deleted camera's held alerts", async () => {
    const admin = await auth('admin');
    expect((await t.http.post('/cameras').set(admin).send({ id: 'cam-gone', url: 'rtsp://10.0.0.99/main', regionId: 'vil-a1a' })).status).toBe(201);
    expect((await t.http.put('/cameras/cam-gone/maintenance').set(admin).send({ minutes: 30 })).status).toBe(200);
    expect(await t.app.get(AlertIntakeService).consume(health('cam-gone', 'camera_frozen', 'health.frozen'))).toBe('suppressed');
    expect(await t.app.get(HeldHealthAlertsRepository).ofCamera('cam-gone')).toHaveLength(1);
    expect((await t.http.delete('/cameras/cam-gone').set(admin)).status).toBe(204);
    expect(await t.app.get(HeldHealthAlertsRepository).ofCamera('cam-gone')).toEqual([]);
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
