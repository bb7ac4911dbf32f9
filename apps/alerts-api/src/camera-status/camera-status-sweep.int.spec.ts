import '../testing/nest-esm';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AlertsRepository } from '../alerts/alerts.repository';
import { MaintenanceRepository } from '../cameras/maintenance.repository';
import { Clock } from '../common/clock';
import { type CameraStatusRecord, CameraStatusRepository } from './camera-status.repository';
import { CameraStatusService } from './camera-status.service';

// The sweeps for lost timers, called by hand: the interval (300 s) never runs one during a test, and
// the thresholds are long enough that no timer fires either.
const ENV = { CAMERA_OFFLINE_ALERT_SECONDS: '60', CAMERA_STABLE_SECONDS: '30', TIMER_SWEEP_SECONDS: '300', SLA_MAJOR_SECONDS: '0' };

describe.each(DATABASE_KINDS)('camera status sweeps with many cameras on %s', (kind) => {
  let t: TestApp;
  let service: CameraStatusService;
  let statuses: CameraStatusRepository;
  let alerts: AlertsRepository;

  beforeAll(async () => {
    t = await startTestApp(kind, ENV);
    await createWorld(t);
    service = t.app.get(CameraStatusService);
    statuses = t.app.get(CameraStatusRepository);
    alerts = t.app.get(AlertsRepository);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** A camera offline since `since`, stored with no timer armed (what a flushed Redis leaves). */
  const offline = (cameraId: string, since: number): CameraStatusRecord => ({ cameraId, status: 'offline', reason: 'timeout', detail: null, since, offlineSince: since, ingestId: 'ingest-1', updatedAt: since, recoveredFrom: null, stableMs: null, outageDrops: 1 });

  it('raises camera_offline for a camera whose timer was lost, although 200 cameras have been dark (with their alerts) for longer', async () => {
    const auth = { Authorization: `Bearer ${await t.token('admin')}` };
    const now = Date.now();
    for (let i = 0; i < 200; i++) {
      const id = `dead-${String(i).padStart(3, '0')}`;
      const res = await t.http.post('/cameras').set(auth).send({ id, name: id, url: `rtsp://10.9.${Math.floor(i / 250)}.${i % 250}/main`, regionId: 'vil-b1a' });
      expect(res.status).toBe(201);
      await statuses.save(offline(id, now - 86_400_000 + i));
    }
    expect(await service.sweepOfflineThresholds()).toBe(200); // their alerts, raised long ago

    // The pond camera went dark 10 minutes ago; its threshold job is gone (Redis restarted).
    const since = now - 600_000;
    await statuses.save(offline('cam-a', since));
    for (let sweep = 0; sweep < 3; sweep++) await service.sweepOfflineThresholds();
    expect(await alerts.get(`camera_offline:cam-a:${since}`)).toBeDefined();
  }, 120_000);

  it('leaves a camera in maintenance to the end of its window, and raises it from the sweep once the window is over', async () => {
    const since = Date.now() - 600_000;
    await statuses.save(offline('cam-a2', since));
    const maintenance = t.app.get(MaintenanceRepository);
    await maintenance.save({ cameraId: 'cam-a2', until: Date.now() + 3_600_000, note: null, setBy: 'test', setAt: Date.now() });
    expect(await service.sweepOfflineThresholds()).toBe(0);
    expect(await alerts.get(`camera_offline:cam-a2:${since}`)).toBeUndefined();
    // The window's end timer was lost too: the sweep is what raises it.
    await maintenance.save({ cameraId: 'cam-a2', until: Date.now() - 1000, note: null, setBy: 'test', setAt: Date.now() - 7_200_000 });
    expect(await service.sweepOfflineThresholds()).toBe(1);
    expect(await alerts.get(`camera_offline:cam-a2:${since}`)).toBeDefined();
    expect(await service.sweepOfflineThresholds()).toBe(0); // raised once
  }, 60_000);

  it('goes on with the other cameras when raising one fails, and raises that one at a later sweep', async () => {
    const now = Date.now();
    const first = now - 500_000; // the older outage: the sweep reaches it first
    const second = now - 400_000;
    await statuses.save(offline('cam-b', first));
    await statuses.save(offline('cam-a3', second));
    const intake = t.app.get(AlertIntakeService);
    const consume = intake.consume.bind(intake);
    const spy = jest.spyOn(intake, 'consume').mockImplementation(async (event) => {
      if (event.cameraId === 'cam-b') throw new Error('canceling statement due to lock timeout');
      return consume(event);
    });
    try {
      expect(await service.sweepOfflineThresholds()).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(await alerts.get(`camera_offline:cam-a3:${second}`)).toBeDefined();
    expect(await alerts.get(`camera_offline:cam-b:${first}`)).toBeUndefined();
    expect(await service.sweepOfflineThresholds()).toBe(1);
    expect(await alerts.get(`camera_offline:cam-b:${first}`)).toBeDefined();
  }, 60_000);

  it('raises an unstable link whose raise at its return failed, once its own try is a sweep interval past', async () => {
    const auth = { Authorization: `Bearer ${await t.token('admin')}` };
    expect((await t.http.post('/cameras').set(auth).send({ id: 'flaky-1', name: 'flaky-1', url: 'rtsp://10.8.0.1/main', regionId: 'vil-b1a' })).status).toBe(201);
    const clock = t.app.get(Clock);
    const now = jest.spyOn(clock, 'now');
    const intake = t.app.get(AlertIntakeService);
    const consume = intake.consume.bind(intake);
    let failures = 0;
    const failing = jest.spyOn(intake, 'consume').mockImplementation(async (event) => {
      if (event.ruleId === 'health.unstable' && failures++ === 0) throw new Error('connection terminated unexpectedly');
      return consume(event);
    });
    /** The camera's event at `at`, handled then (the clock stands there: no timer falls due meanwhile). */
    const handleAt = (status: 'offline' | 'recovered', at: number) => {
      now.mockReturnValue(at);
      return service.handle({ cameraId: 'flaky-1', status, at, ingestId: 'ingest-1', ...(status === 'offline' ? { reason: 'timeout' as const } : {}) });
    };
    try {
      // Dark 50 s and up 50 s, four times: 200 s of the last 600 s (33 %) at the fourth return.
      const t0 = clock.now();
      for (let i = 0; i < 3; i++) {
        await handleAt('offline', t0 + i * 100_000);
        await handleAt('recovered', t0 + i * 100_000 + 50_000);
      }
      const outageStart = t0 + 300_000;
      const back = outageStart + 50_000;
      await handleAt('offline', outageStart);
      await expect(handleAt('recovered', back)).rejects.toThrow('connection terminated unexpectedly');
      expect(await statuses.get('flaky-1')).toMatchObject({ status: 'online', recoveredFrom: outageStart, unstableAt: back });
      // The stream loop handles the entry again: the same entry, stored; nothing raises it.
      await handleAt('recovered', back);
      const id = `camera_offline:flaky-1:${outageStart}`;
      expect(await alerts.get(id)).toBeUndefined();

      now.mockReturnValue(back + 1000); // its own raise may still be under way: not yet
      expect(await service.sweepOfflineThresholds()).toBe(0);
      now.mockReturnValue(back + 300_000); // one sweep interval later
      expect(await service.sweepOfflineThresholds()).toBe(1);
      expect(await alerts.get(id)).toMatchObject({ state: 'open', ruleId: 'health.unstable', startedAt: outageStart });
      expect(await service.sweepOfflineThresholds()).toBe(0); // raised once
      expect(failures).toBe(2);
    } finally {
      failing.mockRestore();
      now.mockRestore();
    }
  }, 60_000);

  it('confirms the other recoveries when confirming one fails, and that one at a later sweep', async () => {
    const now = Date.now();
    // Back 10 and 9 minutes ago from outages of their own; their stability timers were lost.
    const back = (cameraId: string, since: number): CameraStatusRecord => ({ ...offline(cameraId, since), status: 'online', reason: null, offlineSince: null, recoveredFrom: since - 60_000 });
    await statuses.save(back('cam-b', now - 600_000));
    await statuses.save(back('cam-a3', now - 540_000));
    const confirm = statuses.confirmRecovery.bind(statuses);
    const spy = jest.spyOn(statuses, 'confirmRecovery').mockImplementation(async (cameraId, since) => {
      if (cameraId === 'cam-b') throw new Error('connection terminated unexpectedly');
      return confirm(cameraId, since);
    });
    try {
      expect(await service.sweepRecoveries()).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(await statuses.get('cam-a3')).toMatchObject({ status: 'online', recoveredFrom: null });
    expect((await statuses.get('cam-b'))?.recoveredFrom).toBe(now - 660_000);
    expect(await service.sweepRecoveries()).toBe(1);
    expect(await statuses.get('cam-b')).toMatchObject({ status: 'online', recoveredFrom: null });
  }, 60_000);

  it('confirms a recovery at the first sweep after it is due, behind more than a page of recoveries that cannot be confirmed and came back after it', async () => {
    const clock = t.app.get(Clock);
    const realNow = clock.now();
    // What the first sweep looks at: recoveries due by `due1` (the clock less one sweep interval).
    const due1 = realNow - 300_000;
    const back = (cameraId: string, since: number, stableMs: number): CameraStatusRecord => ({ ...offline(cameraId, since), status: 'online', reason: null, offlineSince: null, recoveredFrom: since - 60_000, stableMs, outageDrops: 1 });
    // 1,200 cameras back 33–45 s before `due1` after short drops (30 s to stay up): due, but each of
    // their confirmations fails (a database that keeps dropping their connection).
    const stuck = new Set<string>();
    for (let i = 0; i < 1200; i++) {
      const id = `stuck-${String(i).padStart(4, '0')}`;
      stuck.add(id);
      await statuses.save(back(id, due1 - 45_000 + i * 10, 30_000));
    }
    // The pond camera came back before all of them, from a long drop: it must stay up 60 s, and is due
    // only 10 s after `due1`.
    const pondBack = due1 - 50_000;
    await statuses.save(back('cam-b4', pondBack, 60_000));
    const confirm = statuses.confirmRecovery.bind(statuses);
    const failing = jest.spyOn(statuses, 'confirmRecovery').mockImplementation(async (cameraId, since) => {
      if (stuck.has(cameraId)) throw new Error('connection terminated unexpectedly');
      return confirm(cameraId, since);
    });
    const now = jest.spyOn(clock, 'now').mockReturnValue(realNow);
    try {
      expect(await service.sweepRecoveries()).toBe(0); // 1,000 stuck ones read, the pond camera not due
      expect((await statuses.get('cam-b4'))?.recoveredFrom).toBe(pondBack - 60_000);
      // 20 s later the pond camera is due. Ordered by return, it sat before where the last sweep
      // stopped, and waited for the sweep after the next; ordered by due time it comes next.
      now.mockReturnValue(realNow + 20_000);
      expect(await service.sweepRecoveries()).toBe(1);
      expect(await statuses.get('cam-b4')).toMatchObject({ status: 'online', recoveredFrom: null });
    } finally {
      now.mockRestore();
      failing.mockRestore();
    }
  }, 120_000);
});
