import '../testing/nest-esm';
import type { CameraStatusEvent } from '@xl/contracts';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { AlertsRepository } from '../alerts/alerts.repository';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { CameraStatusRepository } from './camera-status.repository';
import { CameraStatusService } from './camera-status.service';

// Offline for 3 s raises camera_offline; back for 1 s is stable — unless the drop before lasted
// longer: then the camera must stay up as long as it was dark (up to the 3 s threshold).
const ENV = {
  CAMERA_OFFLINE_ALERT_SECONDS: '3',
  CAMERA_STABLE_SECONDS: '1',
  TIMER_SWEEP_SECONDS: '0.5',
  SLA_MAJOR_SECONDS: '0',
};

describe.each(DATABASE_KINDS)('a link dark longer than it is up, on %s', (kind) => {
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
  });

  afterAll(async () => {
    await t?.close();
  });

  const handle = (
    cameraId: string,
    status: CameraStatusEvent['status'],
    at: number,
    reason?: CameraStatusEvent['reason'],
  ) => service.handle({ cameraId, status, at, ingestId: 'ingest-1', ...(reason ? { reason } : {}) });

  it('raises camera_offline for a link dark 2.5 s and up 1.5 s again and again, never dark for the 3 s threshold', async () => {
    const t0 = Date.now();
    await handle('cam-b', 'offline', t0, 'stalled');
    await handle('cam-b', 'recovered', t0 + 2500);
    // Up longer than CAMERA_STABLE_SECONDS, but not as long as it was just dark: the outage goes on.
    expect(await statuses.get('cam-b')).toMatchObject({ status: 'online', recoveredFrom: t0, stableMs: 2500 });
    await handle('cam-b', 'offline', t0 + 4000, 'stalled');
    expect(await statuses.get('cam-b')).toMatchObject({ status: 'offline', offlineSince: t0, outageDrops: 2 });

    const id = `camera_offline:cam-b:${t0}`;
    const raised = await eventually(() => alerts.get(id), 'camera_offline of the link dark most of the time');
    expect(raised).toMatchObject({ state: 'open', startedAt: t0 });
    expect(raised.message).toContain(
      'came back 1 time meanwhile, each time for less than 1 s or than it had been dark',
    );

    // Back after a 2.5 s drop, and its stability timer lost (a Redis flush): the sweep confirms the
    // recovery only once the camera has been up 2.5 s, not the configured 1 s.
    const back = t0 + 6500;
    await handle('cam-b', 'recovered', back);
    await t.app.get(ApiTimers).cancel(timerJobId('stable', 'cam-b', back));
    const resolved = await eventually(
      async () => {
        const a = await alerts.get(id);
        return a?.state === 'resolved' && a;
      },
      'the outage resolved once the camera stayed up',
      15_000,
    );
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(back + 2500 - 250);
    // The alert is resolved first, then the recovery confirmed (stableReached): the status follows.
    await eventually(async () => (await statuses.get('cam-b'))?.recoveredFrom === null, 'the recovery confirmed');
    expect(await statuses.get('cam-b')).toMatchObject({
      status: 'online',
      recoveredFrom: null,
      stableMs: null,
      outageDrops: 0,
    });
  }, 30_000);

  it('asks no longer than the offline threshold after a long drop, and the configured period after a short one', async () => {
    const t0 = Date.now() - 60_000;
    await handle('cam-a', 'offline', t0, 'refused');
    await handle('cam-a', 'recovered', t0 + 20_000);
    expect(await statuses.get('cam-a')).toMatchObject({ recoveredFrom: t0, stableMs: 3000 });
    await eventually(async () => (await statuses.get('cam-a'))?.recoveredFrom === null, 'the long outage over');

    const t1 = Date.now();
    await handle('cam-a', 'offline', t1, 'refused');
    await handle('cam-a', 'recovered', t1 + 300);
    expect(await statuses.get('cam-a')).toMatchObject({ recoveredFrom: t1, stableMs: 1000 });
    // Up 1.2 s (longer than both the period and the drop): the next drop is an outage of its own.
    await eventually(async () => (await statuses.get('cam-a'))?.recoveredFrom === null, 'the short outage over');
    await handle('cam-a', 'offline', t1 + 1500, 'refused');
    expect(await statuses.get('cam-a')).toMatchObject({ offlineSince: t1 + 1500, outageDrops: 1 });
    await handle('cam-a', 'recovered', Math.max(Date.now(), t1 + 1800));
  }, 30_000);
});
