import '../testing/nest-esm';
import type { CameraStatusEvent } from '@xl/contracts';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { AlertsRepository } from '../alerts/alerts.repository';
import { AlertsService } from '../alerts/alerts.service';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { type CameraStatusRecord, CameraStatusRepository } from './camera-status.repository';
import { EventPublisher } from '../shared/push-events';
import { CameraStatusService } from './camera-status.service';

// A camera offline for 1.5 s raises camera_offline; one back for 1.5 s has recovered; the sweep for
// timers that did not fire runs every 0.5 s. Events carry explicit times, so whether a drop falls
// inside the stability period does not depend on how fast this machine is.
const ENV = { CAMERA_OFFLINE_ALERT_SECONDS: '1.5', CAMERA_STABLE_SECONDS: '1.5', TIMER_SWEEP_SECONDS: '0.5', SLA_MAJOR_SECONDS: '0' };

describe.each(DATABASE_KINDS)('camera outages and flapping links on %s', (kind) => {
  let t: TestApp;
  let service: CameraStatusService;
  let statuses: CameraStatusRepository;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(kind, ENV);
    await createWorld(t);
    service = t.app.get(CameraStatusService);
    statuses = t.app.get(CameraStatusRepository);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => {
    await t?.close();
  });

  const handle = (cameraId: string, status: CameraStatusEvent['status'], at: number, reason?: CameraStatusEvent['reason']) =>
    service.handle({ cameraId, status, at, ingestId: 'ingest-1', ...(reason ? { reason } : {}) });
  const alert = async (id: string) => {
    const res = await t.http.get(`/alerts/${encodeURIComponent(id)}`).set(admin);
    return res.status === 200 ? res.body : undefined;
  };
  const offlineAlerts = async (cameraId: string) => (await t.http.get('/alerts').query({ camera: cameraId, rule: 'camera_offline' }).set(admin)).body.items as { id: string; state: string }[];

  it('counts a link that keeps dropping as one outage: it raises camera_offline and keeps that one alert open until the camera stays up', async () => {
    const t0 = Date.now();
    // Up for 0.2 s between two drops: never offline for 1.5 s at a stretch, blind most of the time.
    await handle('cam-b', 'offline', t0, 'stalled');
    await handle('cam-b', 'recovered', t0 + 200);
    await handle('cam-b', 'offline', t0 + 400, 'stalled');
    expect((await statuses.get('cam-b'))?.offlineSince).toBe(t0);
    expect((await t.http.get('/cameras/cam-b').set(admin)).body.status).toMatchObject({ status: 'offline', offlineSince: t0 });

    const id = `camera_offline:cam-b:${t0}`;
    const raised = await eventually(() => alert(id), 'camera_offline of the flapping camera');
    expect(raised).toMatchObject({ state: 'open', startedAt: t0, rule: 'camera_offline' });
    expect(raised.message).toContain('came back 1 time meanwhile, each time for less than 1.5 s or than it had been dark');

    // Back, and down again within the stability period: the same outage, the same open alert.
    const t1 = Math.max(Date.now(), t0 + 500);
    await handle('cam-b', 'recovered', t1);
    expect((await alert(id)).state).toBe('open');
    await handle('cam-b', 'offline', t1 + 300, 'timeout');
    expect((await statuses.get('cam-b'))?.offlineSince).toBe(t0);
    expect((await alert(id)).state).toBe('open');

    // Back for good: resolved once it has stayed up 1.5 s, as one outage from t0 to its last return.
    const t2 = Math.max(Date.now(), t1 + 400);
    await handle('cam-b', 'recovered', t2);
    const resolved = await eventually(async () => {
      const a = await alert(id);
      return a?.state === 'resolved' && a;
    }, 'the flapping outage resolved');
    expect(resolved.outcome).toBe('recovered');
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(t2 + 1500 - 250);
    expect(resolved.transitions.at(-1)).toMatchObject({
      action: 'resolve',
      detail: { kind: 'camera_recovered', offlineSeconds: Math.round((t2 - t0) / 1000), backAt: t2, drops: 3 },
    });
    expect(resolved.transitions.at(-1).note).toContain('an unstable link: dark 3 times in between');
    expect(await offlineAlerts('cam-b')).toHaveLength(1);
    // Resolved first, then confirmed (stableReached): the status follows the alert.
    await eventually(async () => (await statuses.get('cam-b'))?.recoveredFrom === null, 'the recovery confirmed');
    expect(await statuses.get('cam-b')).toMatchObject({ status: 'online', recoveredFrom: null, outageDrops: 0 });

    // The duty report counts the outage until the camera came back, not until the stability wait ended.
    const report = await t.http.get('/reports/alerts').query({ from: t0 - 1000, to: Date.now() + 1000 }).set(admin);
    expect(report.status).toBe(200);
    expect(report.body.downtime.cameras.find((c: { cameraId: string }) => c.cameraId === 'cam-b')).toMatchObject({ outages: 1, offlineMs: t2 - t0, stillOffline: false });
  });

  it('starts a new outage when the camera had stayed up, and raises nothing for outages shorter than the threshold', async () => {
    const t0 = Date.now();
    await handle('cam-a3', 'offline', t0, 'refused');
    await handle('cam-a3', 'recovered', t0 + 300);
    expect((await statuses.get('cam-a3'))?.recoveredFrom).toBe(t0);
    // The stability timer ends that outage (no alert to resolve: it was too short to raise one).
    await eventually(async () => (await statuses.get('cam-a3'))?.recoveredFrom === null, 'the short outage over');
    const t1 = Date.now();
    await handle('cam-a3', 'offline', t1, 'refused');
    expect(await statuses.get('cam-a3')).toMatchObject({ offlineSince: t1, outageDrops: 1 });
    await handle('cam-a3', 'recovered', t1 + 300);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await offlineAlerts('cam-a3')).toEqual([]);
  });

  it('starts a new outage when the stability timer ends the old one while a drop is being stored', async () => {
    const t0 = Date.now();
    await handle('cam-a3', 'offline', t0, 'stalled');
    await handle('cam-a3', 'recovered', t0 + 100);
    const alerts = t.app.get(AlertsRepository);
    const get = alerts.get.bind(alerts);
    const spy = jest.spyOn(alerts, 'get').mockImplementation(async (id) => {
      // The stability timer fires between the drop's read of the camera and its write.
      if (id === `camera_offline:cam-a3:${t0}`) expect(await statuses.confirmRecovery('cam-a3', t0 + 100)).toBe(true);
      return get(id);
    });
    try {
      await handle('cam-a3', 'offline', t0 + 300, 'stalled');
    } finally {
      spy.mockRestore();
    }
    expect(await statuses.get('cam-a3')).toMatchObject({ status: 'offline', offlineSince: t0 + 300, outageDrops: 1 });
    await handle('cam-a3', 'recovered', t0 + 400);
  });

  it('starts a new outage when an operator resolved the alert while the camera was briefly back', async () => {
    const t0 = Date.now();
    await handle('cam-a2', 'offline', t0, 'timeout');
    const id = `camera_offline:cam-a2:${t0}`;
    await eventually(() => alert(id), 'camera_offline');
    const back = Math.max(Date.now(), t0 + 100);
    await handle('cam-a2', 'recovered', back);
    expect((await t.http.post(`/alerts/${encodeURIComponent(id)}/acknowledge`).set(admin).send({})).status).toBe(200);
    expect((await t.http.post(`/alerts/${encodeURIComponent(id)}/resolve`).set(admin).send({ outcome: 'true_alarm' })).status).toBe(200);
    // A resolved alert cannot stand for a camera dark again: this drop is an outage of its own.
    await handle('cam-a2', 'offline', back + 200, 'timeout');
    expect(await statuses.get('cam-a2')).toMatchObject({ offlineSince: back + 200, outageDrops: 1 });
    await eventually(() => alert(`camera_offline:cam-a2:${back + 200}`), 'a new camera_offline');
    await handle('cam-a2', 'recovered', Math.max(Date.now(), back + 300));
  });

  it('records when the camera came back on an outage an operator resolved while it was dark, and reports keep its length', async () => {
    const t0 = Date.now();
    await handle('cam-a3', 'offline', t0, 'timeout');
    const id = `camera_offline:cam-a3:${t0}`;
    await eventually(() => alert(id), 'camera_offline');
    // A repair ticket is filed: the operator resolves the alert while the camera stays dark.
    expect((await t.http.post(`/alerts/${encodeURIComponent(id)}/acknowledge`).set(admin).send({})).status).toBe(200);
    expect((await t.http.post(`/alerts/${encodeURIComponent(id)}/resolve`).set(admin).send({ outcome: 'true_alarm' })).status).toBe(200);
    const resolvedAt = (await alert(id)).resolvedAt as number;
    const back = Math.max(Date.now(), t0 + 2500);
    await handle('cam-a3', 'recovered', back);
    const noted = await eventually(async () => {
      const a = await alert(id);
      return a?.transitions.some((x: { detail?: { kind?: string } }) => x.detail?.kind === 'camera_recovered') && a;
    }, 'the recovery recorded on the resolved alert');
    expect(noted).toMatchObject({ state: 'resolved', outcome: 'true_alarm', resolvedAt });
    expect(noted.transitions.at(-1)).toMatchObject({ action: 'note', actor: { kind: 'system' }, detail: { kind: 'camera_recovered', backAt: back, offlineSeconds: Math.round((back - t0) / 1000) } });
    const report = await t.http.get('/reports/alerts').query({ from: t0 - 1000, to: back + 60_000 }).set(admin).expect(200);
    const camera = report.body.downtime.cameras.find((c: { cameraId: string }) => c.cameraId === 'cam-a3');
    expect(camera).toMatchObject({ offlineMs: back - t0, stillOffline: false }); // before: resolvedAt - t0, the operator's click
    // The next recovery of another outage does not note this alert again.
    const t1 = Math.max(Date.now(), back + 2000);
    await handle('cam-a3', 'offline', t1, 'timeout');
    await handle('cam-a3', 'recovered', t1 + 100);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await alert(id)).transitions.filter((x: { detail?: { kind?: string } }) => x.detail?.kind === 'camera_recovered')).toHaveLength(1);
  });

  it('continues the outage once when two API instances handle the same drop at the same moment', async () => {
    const t0 = Date.now();
    await handle('cam-b', 'offline', t0, 'stalled');
    await handle('cam-b', 'recovered', t0 + 200);
    // Both instances read the entry from the shared offset and handle it side by side.
    await Promise.all([handle('cam-b', 'offline', t0 + 400, 'stalled'), handle('cam-b', 'offline', t0 + 400, 'stalled')]);
    expect(await statuses.get('cam-b')).toMatchObject({ status: 'offline', offlineSince: t0, outageDrops: 2 });
    await handle('cam-b', 'recovered', t0 + 500);
    await eventually(async () => (await statuses.get('cam-b'))?.recoveredFrom === null, 'the outage over');
    const ids = (await offlineAlerts('cam-b')).map((a) => a.id).filter((id) => id.endsWith(`:${t0}`) || id.endsWith(`:${t0 + 400}`));
    expect(ids.filter((id) => id.endsWith(`:${t0 + 400}`))).toEqual([]);
  });

  /**
   * Instance B's first write of a `status` row stalls (a pool wait, a GC pause) after it read the row,
   * until `release()`: what another instance does meanwhile is what B's write races.
   */
  const stallFirstWrite = (status: CameraStatusRecord['status']) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled!: () => void;
    const parked = new Promise<void>((resolve) => (stalled = resolve));
    const saveOver = statuses.saveOver.bind(statuses);
    let first = true;
    const spy = jest.spyOn(statuses, 'saveOver').mockImplementation(async (record: CameraStatusRecord, read: CameraStatusRecord | undefined) => {
      if (first && record.status === status) {
        first = false;
        stalled();
        await gate;
      }
      return saveOver(record, read);
    });
    return { parked, release, restore: () => spy.mockRestore() };
  };

  it("keeps a camera that dropped again offline when the other instance's older entry lands after it, and raises its camera_offline", async () => {
    const alerts = t.app.get(AlertsRepository);
    const t0 = Date.now();
    await handle('cam-a3', 'offline', t0, 'timeout');
    await eventually(() => alerts.get(`camera_offline:cam-a3:${t0}`), 'the first outage raised');

    // Ingest's burst after a Redis outage: [recovered t1, offline t2] of cam-a3, read by both instances.
    const t1 = Date.now();
    const t2 = t1 + 1600; // up longer than CAMERA_STABLE_SECONDS: a new outage
    const b = stallFirstWrite('online');
    try {
      const handledByB = handle('cam-a3', 'recovered', t1); // instance B, entry 1: read the row, stalls
      await b.parked;
      await handle('cam-a3', 'recovered', t1); // instance A, entry 1
      await handle('cam-a3', 'offline', t2, 'timeout'); // instance A, entry 2: dark again
      b.release();
      await handledByB; // B's write of entry 1 lands now
    } finally {
      b.restore();
    }
    expect(await statuses.get('cam-a3')).toMatchObject({ status: 'offline', offlineSince: t2 });
    await eventually(() => alerts.get(`camera_offline:cam-a3:${t2}`), 'camera_offline of the second outage', 8000);
    await handle('cam-a3', 'recovered', Math.max(Date.now(), t2 + 100));
    await eventually(async () => (await statuses.get('cam-a3'))?.recoveredFrom === null, 'cam-a3 back for good');
  }, 30_000);

  it("keeps a camera that came back online when the other instance's older drop lands after it", async () => {
    await eventually(async () => (await statuses.get('cam-a2'))?.recoveredFrom === null, 'cam-a2 up and stable');
    const t1 = Math.max(Date.now(), ((await statuses.get('cam-a2'))?.updatedAt ?? 0) + 1);
    const t2 = t1 + 200;
    const b = stallFirstWrite('offline');
    try {
      const handledByB = handle('cam-a2', 'offline', t1, 'refused'); // instance B, entry 1: read the row (online), stalls
      await b.parked;
      await handle('cam-a2', 'offline', t1, 'refused'); // instance A, entry 1
      await handle('cam-a2', 'recovered', t2); // instance A, entry 2: back
      b.release();
      await handledByB;
    } finally {
      b.restore();
    }
    expect(await statuses.get('cam-a2')).toMatchObject({ status: 'online', since: t2, offlineSince: null, recoveredFrom: t1 });
    await eventually(async () => (await statuses.get('cam-a2'))?.recoveredFrom === null, 'the short outage over');
    expect((await offlineAlerts('cam-a2')).filter((a) => a.id === `camera_offline:cam-a2:${t1}`)).toEqual([]);
  }, 30_000);

  it('resolves the outage on a later sweep when resolving its alert failed at the stability timer', async () => {
    const t0 = Date.now();
    await handle('cam-a2', 'offline', t0, 'timeout');
    const id = `camera_offline:cam-a2:${t0}`;
    await eventually(() => alert(id), 'camera_offline');
    const service2 = t.app.get(AlertsService);
    const spy = jest.spyOn(service2, 'resolveBySystem').mockRejectedValueOnce(new Error('connection terminated unexpectedly'));
    try {
      await handle('cam-a2', 'recovered', Math.max(Date.now(), t0 + 100));
      const resolved = await eventually(async () => {
        const a = await alert(id);
        return a?.state === 'resolved' && a;
      }, 'the outage resolved after the failed attempt');
      expect(resolved.outcome).toBe('recovered');
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
    // The alert is resolved before the recovery is confirmed (stableReached): the status follows.
    await eventually(async () => (await statuses.get('cam-a2'))?.recoveredFrom === null, 'the recovery confirmed');
    expect(await statuses.get('cam-a2')).toMatchObject({ status: 'online', recoveredFrom: null });
  });

  it("confirms a recovery from the sweep when the stability timer was lost, and not before it was due", async () => {
    const t0 = Date.now();
    await handle('cam-a', 'offline', t0, 'stalled');
    const id = `camera_offline:cam-a:${t0}`;
    await eventually(() => alert(id), 'camera_offline');
    const back = Math.max(Date.now(), t0 + 100);
    await handle('cam-a', 'recovered', back);
    await t.app.get(ApiTimers).cancel(timerJobId('stable', 'cam-a', back)); // what a flushed Redis does
    expect(await service.sweepRecoveries()).toBe(0); // not due yet
    const resolved = await eventually(async () => {
      const a = await alert(id);
      return a?.state === 'resolved' && a;
    }, 'the recovery confirmed by the sweep');
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(back + 1500 + 500 - 250);
    expect(resolved.transitions.at(-1)).toMatchObject({ detail: { kind: 'camera_recovered', backAt: back, drops: 1 } });
  });

  it('does not confirm a recovery while a later status entry of the camera waits in the stream (a burst sent after a Redis outage)', async () => {
    // This test handles the stream itself: the follower stops, and starts again at the end.
    await service.onModuleDestroy();
    try {
      const t0 = Date.now() - 10_000; // kept by ingest through an outage, sent with their own times
      await handle('cam-a3', 'offline', t0, 'stalled');
      // The burst's next entry — the link dropped again 0.4 s after it went dark — is in the stream,
      // not handled yet, when the recovery before it is.
      await t.redis.xadd(service.streamKey, '*', 'event', JSON.stringify({ cameraId: 'cam-a3', status: 'offline', reason: 'stalled', at: t0 + 400, ingestId: 'ingest-1' }));
      await handle('cam-a3', 'recovered', t0 + 200); // its stability timer is long due: it runs at once
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await service.sweepRecoveries()).toBe(0);
      expect((await statuses.get('cam-a3'))?.recoveredFrom).toBe(t0);
    } finally {
      await service.onApplicationBootstrap(); // reads the entry
    }
    await eventually(async () => (await statuses.get('cam-a3'))?.status === 'offline' && true, 'the drop handled');
    expect(await statuses.get('cam-a3')).toMatchObject({ status: 'offline', offlineSince: expect.any(Number), outageDrops: 2 });
    expect((await statuses.get('cam-a3'))?.offlineSince).toBeLessThanOrEqual(Date.now() - 9000);
    await handle('cam-a3', 'recovered', Date.now());
  });

  it('pushes a camera.status again at the next sweep when its push failed (Redis away a moment)', async () => {
    const publish = jest.spyOn(t.app.get(EventPublisher), 'publish').mockRejectedValueOnce(new Error('Connection is closed.'));
    const statusPushes = () => publish.mock.calls.map(([e]) => e).filter((e) => e.type === 'camera.status' && e.data.cameraId === 'cam-a');
    try {
      const t0 = Math.max(Date.now(), (await statuses.get('cam-a'))?.since ?? 0) + 10;
      await handle('cam-a', 'offline', t0, 'refused');
      expect(statusPushes()).toHaveLength(1); // the one that failed
      // Before: nothing until the camera's next change — MQTT's retained status said online meanwhile.
      await eventually(async () => statusPushes().length >= 2, 'camera.status pushed again by the sweep');
      expect(statusPushes()[1].data).toMatchObject({ cameraId: 'cam-a', status: 'offline', reason: 'refused', offlineSince: t0 });
    } finally {
      publish.mockRestore();
    }
    await handle('cam-a', 'recovered', Date.now() + 20);
  });
});
