import '../testing/nest-esm';
import { sql } from 'kysely';
import type { CameraStatusEvent } from '@xl/contracts';
import { eventually } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { cameraStatusSuite } from '../testing/camera-status-suite';
import { MaintenanceRepository } from '../cameras/maintenance.repository';
import { KYSELY } from '../core/tokens';
import { EventPublisher } from '../shared/push-events';
import { ApiTimers, timerJobId } from '../timers/api-timers';

// Offline for 3 s raises camera_offline; back for 1 s is stable — unless the drop before lasted
// longer: then the camera must stay up as long as it was dark (up to the 3 s threshold).
const ENV = {
  CAMERA_OFFLINE_ALERT_SECONDS: '3',
  CAMERA_STABLE_SECONDS: '1',
  TIMER_SWEEP_SECONDS: '0.5',
  SLA_MAJOR_SECONDS: '0',
};

describe.each(DATABASE_KINDS)('a link dark longer than it is up, on %s', (kind) => {
  const suite = cameraStatusSuite(kind, ENV);

  const handle = (
    cameraId: string,
    status: CameraStatusEvent['status'],
    at: number,
    reason?: CameraStatusEvent['reason'],
  ) => suite.service.handle({ cameraId, status, at, ingestId: 'ingest-1', ...(reason ? { reason } : {}) });

  it('raises camera_offline for a link dark 2.5 s and up 1.5 s again and again, never dark for the 3 s threshold', async () => {
    const t0 = Date.now();
    await handle('cam-b', 'offline', t0, 'stalled');
    await handle('cam-b', 'recovered', t0 + 2500);
    // Up longer than CAMERA_STABLE_SECONDS, but not as long as it was just dark: the outage goes on.
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'online', recoveredFrom: t0, stableMs: 2500 });
    await handle('cam-b', 'offline', t0 + 4000, 'stalled');
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'offline', offlineSince: t0, outageDrops: 2 });

    const id = `camera_offline:cam-b:${t0}`;
    const raised = await eventually(() => suite.alerts.get(id), 'camera_offline of the link dark most of the time');
    expect(raised).toMatchObject({ state: 'open', startedAt: t0 });
    expect(raised.message).toContain(
      'came back 1 time meanwhile, each time for less than 1 s or than it had been dark',
    );

    // Back after a 2.5 s drop, and its stability timer lost (a Redis flush): the sweep confirms the
    // recovery only once the camera has been up 2.5 s, not the configured 1 s.
    const back = t0 + 6500;
    await handle('cam-b', 'recovered', back);
    await suite.t.app.get(ApiTimers).cancel(timerJobId('stable', 'cam-b', back));
    const resolved = await eventually(
      async () => {
        const a = await suite.alerts.get(id);
        return a?.state === 'resolved' && a;
      },
      'the outage resolved once the camera stayed up',
      15_000,
    );
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(back + 2500 - 250);
    // The alert is resolved first, then the recovery confirmed (stableReached): the status follows.
    await eventually(async () => (await suite.statuses.get('cam-b'))?.recoveredFrom === null, 'the recovery confirmed');
    expect(await suite.statuses.get('cam-b')).toMatchObject({
      status: 'online',
      recoveredFrom: null,
      stableMs: null,
      outageDrops: 0,
    });
  }, 30_000);

  it('asks no longer than the offline threshold after a long drop, and the configured period after a short one', async () => {
    // Back now from a 20 s drop: its stability timer is due in 3 s, not at once (a recovery in the past
    // was confirmed, now and then, before the next line read it).
    const t0 = Date.now() - 20_000;
    await handle('cam-a', 'offline', t0, 'refused');
    await handle('cam-a', 'recovered', t0 + 20_000);
    expect(await suite.statuses.get('cam-a')).toMatchObject({ recoveredFrom: t0, stableMs: 3000 });
    await eventually(async () => (await suite.statuses.get('cam-a'))?.recoveredFrom === null, 'the long outage over');

    const t1 = Date.now();
    await handle('cam-a', 'offline', t1, 'refused');
    await handle('cam-a', 'recovered', t1 + 300);
    expect(await suite.statuses.get('cam-a')).toMatchObject({ recoveredFrom: t1, stableMs: 1000 });
    // Up 1.2 s (longer than both the period and the drop): the next drop is an outage of its own.
    await eventually(async () => (await suite.statuses.get('cam-a'))?.recoveredFrom === null, 'the short outage over');
    await handle('cam-a', 'offline', t1 + 1500, 'refused');
    expect(await suite.statuses.get('cam-a')).toMatchObject({ offlineSince: t1 + 1500, outageDrops: 1 });
    await handle('cam-a', 'recovered', Math.max(Date.now(), t1 + 1800));
  }, 30_000);
});

// As above, and dark 30 % of the last 8 s, in two drops or more, is an unstable link.
const UNSTABLE_ENV = { ...ENV, CAMERA_UNSTABLE_WINDOW_SECONDS: '8', CAMERA_UNSTABLE_PERCENT: '30' };

describe.each(DATABASE_KINDS)('a link dark less than it is up, but dark too often, on %s', (kind) => {
  const suite = cameraStatusSuite(kind, UNSTABLE_ENV);

  const { handleAt } = suite;

  /** `drops` drops of 1 s every 2.5 s from `t0`: up 1.5 s, longer than each drop, so each ends its outage. */
  const flap = async (cameraId: string, t0: number, drops: number) => {
    for (let i = 0; i < drops; i++) {
      await handleAt(cameraId, 'offline', t0 + i * 2500);
      await handleAt(cameraId, 'recovered', t0 + i * 2500 + 1000);
    }
  };

  it('raises camera_offline for a link dark 1 s and up 1.5 s again and again, no drop near the 3 s threshold, and ends it once the camera stays up the 8 s window', async () => {
    const t0 = Date.now() + 100;
    await flap('cam-a2', t0, 2);
    // Dark 2 s of the last 8 s (25 %): ordinary recoveries, nothing raised.
    expect(await suite.statuses.get('cam-a2')).toMatchObject({ unstableAt: null, recentDrops: [[t0, t0 + 1000], [t0 + 2500, t0 + 3500]] });
    await handleAt('cam-a2', 'offline', t0 + 5000);
    const back3 = t0 + 6000;
    await handleAt('cam-a2', 'recovered', back3);
    // 3 s of 8 (38 %): the last drop's outage is raised now, and ends only after 8 s up.
    expect(await suite.statuses.get('cam-a2')).toMatchObject({ status: 'online', recoveredFrom: t0 + 5000, stableMs: 8000, unstableAt: back3 });
    const id = `camera_offline:cam-a2:${t0 + 5000}`;
    const raised = await suite.alerts.get(id);
    expect(raised).toMatchObject({ state: 'open', rule: 'camera_offline', ruleId: 'health.unstable', startedAt: t0 + 5000 });
    expect(raised?.message).toBe('camera link unstable: dark 3 s of the last 8 s (38 %, bound 30 %) in 3 drops; one outage until the camera stays up 8 s');

    // It drops again 1.5 s later: the same outage, the same alert.
    await handleAt('cam-a2', 'offline', t0 + 7500);
    expect(await suite.statuses.get('cam-a2')).toMatchObject({ status: 'offline', offlineSince: t0 + 5000, outageDrops: 2, unstableAt: back3 });
    const back = t0 + 8500;
    await handleAt('cam-a2', 'recovered', back);
    // Up 3 s after a 1 s drop, three times what an ordinary recovery needs: still one open outage.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await suite.alerts.unresolvedOf('cam-a2', 'camera_offline')).toEqual([expect.objectContaining({ id, state: 'open' })]);

    const resolved = await eventually(
      async () => {
        const a = await suite.alerts.get(id);
        return a?.state === 'resolved' && a;
      },
      'the unstable outage resolved once the camera stayed up the window',
      15_000,
    );
    expect(resolved.resolvedAt).toBeGreaterThanOrEqual(back + 8000 - 250);
    const recovery = (await suite.alerts.transitions(id)).find((tr) => tr.detail?.kind === 'camera_recovered');
    expect(recovery?.detail).toEqual({ kind: 'camera_recovered', offlineSeconds: Math.round((back - (t0 + 5000)) / 1000), backAt: back, drops: 2 });
    await eventually(async () => (await suite.statuses.get('cam-a2'))?.recoveredFrom === null, 'the recovery confirmed');
    expect(await suite.statuses.get('cam-a2')).toMatchObject({ status: 'online', unstableAt: null, stableMs: null, outageDrops: 0 });
  }, 60_000);

  it('supersedes the alert of an unstable link with a new offline alert when the link then goes dark past the threshold, and pushes both', async () => {
    const published = jest.spyOn(suite.t.app.get(EventPublisher), 'publish'); // records; the real publisher still runs
    try {
      const t0 = Date.now() + 100;
      await flap('cam-a2', t0, 2);
      await handleAt('cam-a2', 'offline', t0 + 5000);
      await handleAt('cam-a2', 'recovered', t0 + 6000);
      const id = `camera_offline:cam-a2:${t0 + 5000}`;
      expect(await suite.alerts.get(id)).toMatchObject({ state: 'open', ruleId: 'health.unstable', severity: 'major' });

      // Dark again 1.5 s later, and for good: a camera that shows nothing, a new outage from this drop.
      const dark = t0 + 7500;
      await handleAt('cam-a2', 'offline', dark);
      const offlineId = `camera_offline:cam-a2:${dark}`;
      const offline = await eventually(() => suite.alerts.get(offlineId), 'the offline alert once the drop passed the 3 s threshold', 10_000);
      expect(Date.now()).toBeGreaterThanOrEqual(dark + 3000);
      expect(offline).toMatchObject({ state: 'open', rule: 'camera_offline', ruleId: 'health.offline', severity: 'major', startedAt: dark });
      expect(offline.message).toBe('camera offline for more than 3 s (timeout)');
      expect(await suite.statuses.get('cam-a2')).toMatchObject({ status: 'offline', offlineSince: dark, outageDrops: 1, unstableAt: null });
      // The pushes go out after the alert is stored (and read back here): wait for them, then for nothing more.
      const pushed = () => published.mock.calls.map(([event]) => event);
      const createdPushes = () => pushed().filter((event) => event.type === 'alert.created' && event.data.id === offlineId);
      await eventually(async () => createdPushes().length > 0 || null, 'the alert.created push of the offline alert');
      await eventually(async () => pushed().some((event) => event.type === 'camera.status' && event.data.cameraId === 'cam-a2' && event.data.offlineSince === dark) || null, 'the offline status push');
      const superseded = await eventually(async () => {
        const a = await suite.alerts.get(id);
        return a?.state === 'resolved' && a;
      }, 'the unstable alert closed as superseded');
      expect(createdPushes()).toHaveLength(1);
      expect(superseded).toMatchObject({ ruleId: 'health.unstable', outcome: 'recovered' });
      expect((await suite.alerts.transitions(id)).at(-1)?.detail).toEqual({ kind: 'superseded_by_offline', offlineAlertId: offlineId, darkSince: dark, thresholdSeconds: 3 });
      expect(await suite.alerts.unresolvedOf('cam-a2', 'camera_offline')).toEqual([expect.objectContaining({ id: offlineId })]);
    } finally {
      published.mockRestore();
    }
    await handleAt('cam-a2', 'recovered', Date.now());
  }, 30_000);

  it('raises an unstable link held back by a maintenance window when the window ends', async () => {
    const maintenance = suite.t.app.get(MaintenanceRepository);
    const t0 = Date.now() + 100;
    await flap('cam-a3', t0, 2);
    await handleAt('cam-a3', 'offline', t0 + 5000);
    // The third drop ends before the window begins (its return is handled a moment late): the link was
    // unstable before anyone touched the camera, and its alert is only held back.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + 6200 - Date.now())));
    await maintenance.save({ cameraId: 'cam-a3', until: Date.now() + 3_600_000, note: 'cable work', setBy: 'test', setAt: Date.now() });
    await handleAt('cam-a3', 'recovered', t0 + 6000);
    expect(await suite.statuses.get('cam-a3')).toMatchObject({ status: 'online', recoveredFrom: t0 + 5000, unstableAt: t0 + 6000 });
    const id = `camera_offline:cam-a3:${t0 + 5000}`;
    expect(await suite.alerts.get(id)).toBeUndefined(); // held back: someone is working on the cable

    // Ended a second ago: the app's clock may lag Date.now() by a few ms, and a window ended 1 ms ago
    // could still hold the alert back.
    await maintenance.save({ cameraId: 'cam-a3', until: Date.now() - 1000, note: 'cable work', setBy: 'test', setAt: Date.now() - 60_000 });
    await suite.service.maintenanceEnded('cam-a3');
    expect(await suite.alerts.get(id)).toMatchObject({ state: 'open', ruleId: 'health.unstable' });
  }, 30_000);

  it('counts no drop that ended in a maintenance window: a technician rebooting the camera three times makes no unstable link', async () => {
    const maintenance = suite.t.app.get(MaintenanceRepository);
    await maintenance.save({ cameraId: 'cam-b', until: Date.now() + 3_600_000, note: 'firmware update', setBy: 'test', setAt: Date.now() });
    const t0 = Date.now() + 100;
    await flap('cam-b', t0, 3); // dark 3 s of 8 (38 %), all of it the technician's
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'online', unstableAt: null, recentDrops: [] });

    await maintenance.save({ cameraId: 'cam-b', until: Date.now() - 1000, note: 'firmware update', setBy: 'test', setAt: Date.now() - 60_000 });
    await suite.service.maintenanceEnded('cam-b');
    // One drop after the window: the window's three stay out of the share, and one drop is no news.
    await handleAt('cam-b', 'offline', Date.now() + 100);
    await handleAt('cam-b', 'recovered', Date.now() + 1000);
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'online', unstableAt: null, recentDrops: [expect.any(Array)] });
    expect(await suite.alerts.unresolvedOf('cam-b', 'camera_offline')).toEqual([]);
  }, 30_000);

  it('leaves a drop that reached the offline threshold to the threshold: a blip before it makes no unstable link of a dark camera', async () => {
    const t0 = Date.now() + 100;
    await flap('cam-a', t0, 1);
    // Dark 4 s, past the 3 s threshold: its own alert, health.offline.
    const t1 = t0 + 2500;
    await handleAt('cam-a', 'offline', t1);
    const id = `camera_offline:cam-a:${t1}`;
    await eventually(() => suite.alerts.get(id), 'camera_offline of the long drop', 10_000);
    const back = t1 + 4000;
    await handleAt('cam-a', 'recovered', back);
    // Dark 5 s of the last 8 (62 %) in two drops, but the long one is the threshold's: an ordinary
    // recovery, as long as the threshold (3 s), not the 8 s window of an unstable link.
    expect(await suite.statuses.get('cam-a')).toMatchObject({ status: 'online', recoveredFrom: t1, stableMs: 3000, unstableAt: null });
    const raised = await suite.alerts.get(id);
    expect(raised).toMatchObject({ ruleId: 'health.offline' });
    expect(raised?.message).not.toContain('unstable');
    const resolved = await eventually(
      async () => {
        const a = await suite.alerts.get(id);
        return a?.state === 'resolved' && a;
      },
      'the outage resolved once the camera stayed up the threshold',
      10_000,
    );
    expect(resolved.resolvedAt).toBeLessThan(back + 8000);
  }, 30_000);

  it('judges the link anew after an instance of an older release left a past outage\'s unstable_at behind (a rolling upgrade)', async () => {
    const db = suite.t.app.get(KYSELY);
    const t0 = Date.now() + 100;
    await flap('cam-b', t0, 2);
    await eventually(async () => (await suite.statuses.get('cam-b'))?.recoveredFrom === null, 'the second drop\'s recovery confirmed');
    // An older instance, which knows no unstable_at, confirmed an unstable outage long ago without
    // clearing it, and now stores the camera's next drop keeping it (as it keeps every column it does not know).
    const stale = t0 - 60_000;
    const drop = t0 + 5000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, drop - Date.now())));
    await sql`update camera_status set unstable_at = ${stale}, status = 'offline', reason = 'timeout', since = ${drop}, offline_since = ${drop}, updated_at = ${drop}, outage_drops = 1 where camera_id = 'cam-b'`.execute(db);
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'offline', offlineSince: drop });

    // Back after 1 s: dark 3 s of the last 8 (38 %), the link is unstable and its outage raised now.
    const back = t0 + 6000;
    await handleAt('cam-b', 'recovered', back);
    expect(await suite.statuses.get('cam-b')).toMatchObject({ status: 'online', recoveredFrom: drop, stableMs: 8000, unstableAt: back });
    expect(await suite.alerts.get(`camera_offline:cam-b:${drop}`)).toMatchObject({ state: 'open', ruleId: 'health.unstable' });
  }, 30_000);

  it('raises the drop past the threshold of an unstable link from the sweep when its timer was lost', async () => {
    const t0 = Date.now() + 100;
    await flap('cam-a3', t0, 2);
    await handleAt('cam-a3', 'offline', t0 + 5000);
    await handleAt('cam-a3', 'recovered', t0 + 6000);
    const id = `camera_offline:cam-a3:${t0 + 5000}`;
    expect(await suite.alerts.get(id)).toMatchObject({ state: 'open', ruleId: 'health.unstable' });
    const dark = t0 + 7500;
    await handleAt('cam-a3', 'offline', dark);
    await suite.t.app.get(ApiTimers).cancel(timerJobId('offline', 'cam-a3', t0 + 5000, dark)); // lost (a Redis flush)
    const offline = await eventually(() => suite.alerts.get(`camera_offline:cam-a3:${dark}`), 'the sweep raised the blind drop', 10_000);
    expect(offline).toMatchObject({ ruleId: 'health.offline', state: 'open' });
    expect(offline.message).toMatch(/^camera offline for more than 3 s/);
    await eventually(async () => (await suite.alerts.get(id))?.state === 'resolved', 'the unstable alert closed as superseded');
    await handleAt('cam-a3', 'recovered', Date.now());
  }, 30_000);
});
