import '../testing/nest-esm';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { AlertEvent } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { KYSELY } from '../core/tokens';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import type { EvidenceOptions } from './evidence.options';
import { SnapshotRetentionService } from './snapshot-retention.service';

// Annotated snapshots leave the disk with their alert's evidence — every one the alert received,
// not only the one it shows — and files no alert holds go once their day is past the grace; nothing
// of an alert that is not resolved, nor of one within its keep time, is touched.

const DAY = 86_400_000;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

describe.each(DATABASE_KINDS)('annotated snapshot retention on %s', (kind) => {
  let t: TestApp;
  let intake: AlertIntakeService;
  const options: EvidenceOptions = {
    EVIDENCE_DIR: 'var/evidence',
    EVIDENCE_KEEP_FALSE_ALARM_DAYS: 7,
    EVIDENCE_KEEP_TRUE_ALARM_DAYS: 180,
    EVIDENCE_KEEP_DUPLICATE_DAYS: 7,
    EVIDENCE_KEEP_RECOVERED_DAYS: 30,
    EVIDENCE_KEEP_CRITICAL_MIN_DAYS: 30,
    EVIDENCE_MAX_BYTES: 2 ** 30,
    EVIDENCE_SWEEP_SECONDS: 86_400, // runs only when the test calls it
    EVIDENCE_ANSWER_TIMEOUT_SECONDS: 600,
    SNAPSHOT_ORPHAN_DAYS: 7,
  };

  beforeAll(async () => {
    t = await startTestApp(kind, {}, { evidence: options });
    await createWorld(t);
    intake = t.app.get(AlertIntakeService);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** What the analyzer does: the annotated JPEG under `<camera>/<day>/`, then the event naming it. */
  const withSnapshot = (event: AlertEvent): AlertEvent => {
    const rel = path.posix.join(event.cameraId, new Date(event.capturedAt).toISOString().slice(0, 10), `${event.alertId}-${event.capturedAt}.jpg`);
    mkdirSync(path.dirname(path.join(t.snapshotDir, rel)), { recursive: true });
    writeFileSync(path.join(t.snapshotDir, rel), JPEG);
    return { ...event, snapshotPath: rel };
  };
  const onDisk = (rel: string | undefined) => existsSync(path.join(t.snapshotDir, rel as string));
  const admin = async () => ({ Authorization: `Bearer ${await t.token('admin')}` });
  const resolve = async (alertId: string, outcome: string, daysAgo: number) => {
    const id = encodeURIComponent(alertId);
    await t.http.post(`/alerts/${id}/acknowledge`).set(await admin()).send({}).expect(200);
    await t.http.post(`/alerts/${id}/resolve`).set(await admin()).send({ outcome }).expect(200);
    // Resolved that long ago (the API stamps resolutions with its own clock).
    await sql`update alerts set resolved_at = ${Date.now() - daysAgo * DAY} where id = ${alertId}`.execute(t.app.get(KYSELY));
  };

  it("deletes every snapshot of an alert past its keep date, and none of one still kept or not resolved", async () => {
    const startedAt = Date.now() - 20 * DAY;
    // A false alarm with two pictures: entering, then a later update that the alert shows.
    const entered = withSnapshot(alertEvent({ cameraId: 'cam-a', startedAt, capturedAt: startedAt + 500 }));
    const later = withSnapshot({ ...entered, kind: 'updated', capturedAt: startedAt + 4_000, message: 'still in the zone' });
    const oldFalse = [entered, later];
    const recentFalse = [withSnapshot(alertEvent({ cameraId: 'cam-a', startedAt: startedAt + 1 }))];
    // A drowning judged a false alarm keeps its pictures 30 days whatever the outcome.
    const criticalFalse = [withSnapshot(alertEvent({ cameraId: 'cam-a', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', startedAt: startedAt + 2 }))];
    const open = [withSnapshot(alertEvent({ cameraId: 'cam-b', startedAt: startedAt + 3 }))];
    for (const event of [...oldFalse, ...recentFalse, ...criticalFalse, ...open]) await intake.consume(event);
    // The trail: both pictures, oldest first, each served with the alert's scope check.
    const id = encodeURIComponent(entered.alertId);
    const shown = await t.http.get(`/alerts/${id}`).set(await admin()).expect(200);
    expect(shown.body.snapshotUrl).toBeTruthy();
    expect(shown.body.snapshots).toEqual([
      { capturedAt: entered.capturedAt, url: `/alerts/${id}/snapshots/${entered.capturedAt}` },
      { capturedAt: later.capturedAt, url: `/alerts/${id}/snapshots/${later.capturedAt}` },
    ]);
    const first = await t.http.get(shown.body.snapshots[0].url).set(await admin()).expect(200);
    expect(first.headers['content-type']).toBe('image/jpeg');
    await t.http.get(`/alerts/${id}/snapshots/${entered.capturedAt + 1}`).set(await admin()).expect(404);
    await t.http.get(`/alerts/${id}/snapshots/-1`).set(await admin()).expect(400);
    await t.http.get(shown.body.snapshots[0].url).set({ Authorization: `Bearer ${await t.token('op-b')}` }).expect(404); // not in op-b's region
    await resolve(entered.alertId, 'false_alarm', 8);
    await resolve(recentFalse[0].alertId, 'false_alarm', 6);
    await resolve(criticalFalse[0].alertId, 'false_alarm', 8);

    const result = await t.app.get(SnapshotRetentionService).sweep({ orphans: false });
    expect(result).toEqual({ expiredAlerts: 1, orphans: 0 });
    expect(oldFalse.map((e) => onDisk(e.snapshotPath))).toEqual([false, false]); // both, not only the one shown
    expect([...recentFalse, ...criticalFalse, ...open].map((e) => onDisk(e.snapshotPath))).toEqual([true, true, true]);
    const gone = await t.http.get(`/alerts/${encodeURIComponent(entered.alertId)}`).set(await admin()).expect(200);
    expect(gone.body.hasSnapshot).toBe(false);
    await t.http.get(`/alerts/${encodeURIComponent(entered.alertId)}/snapshot`).set(await admin()).expect(404);
    expect(gone.body.snapshots).toEqual([]);
    // Nothing left to do on the next run.
    expect(await t.app.get(SnapshotRetentionService).sweep({ orphans: false })).toEqual({ expiredAlerts: 0, orphans: 0 });
  });

  it("adopts, never deletes, a file of an event the API received: the earlier pictures of alerts stored before the trail existed", async () => {
    const old = Date.now() - 10 * DAY;
    const entered = withSnapshot(alertEvent({ cameraId: 'cam-a3', startedAt: old, capturedAt: old }));
    const gone = withSnapshot({ ...alertEvent({ cameraId: 'cam-a3', rule: 'vanish_in_water', ruleId: 'pond.vanish', severity: 'critical', startedAt: old + 3000, capturedAt: old + 3000 }), relatedAlertId: entered.alertId });
    await intake.consume(entered);
    await intake.consume(gone);
    // As migration 0012 found it: only the picture the alert shows was known.
    await sql`delete from alert_snapshots where path = ${entered.snapshotPath}`.execute(t.app.get(KYSELY));
    const result = await t.app.get(SnapshotRetentionService).sweep({ orphans: true });
    expect(onDisk(entered.snapshotPath)).toBe(true);
    const detail = await t.http.get(`/alerts/${encodeURIComponent(entered.alertId)}`).set(await admin()).expect(200);
    expect(detail.body.snapshots.map((s: { capturedAt: number }) => s.capturedAt)).toEqual([entered.capturedAt, gone.capturedAt]);
    expect(result.orphans).toBe(0);
  });

  it('deletes files no alert holds once their day is past the grace, and removes the emptied day directories', async () => {
    const old = Date.now() - 9 * DAY;
    const held = withSnapshot(alertEvent({ cameraId: 'cam-a3', startedAt: old, capturedAt: old }));
    await intake.consume(held);
    // The analyzer wrote these, but their events never reached the API (lost with a Redis crash).
    const lostOld = withSnapshot(alertEvent({ cameraId: 'cam-a3', startedAt: old + 1, capturedAt: old + 1 }));
    const lostAlone = withSnapshot(alertEvent({ cameraId: 'cam-a2', startedAt: old, capturedAt: old }));
    const lostToday = withSnapshot(alertEvent({ cameraId: 'cam-a3', startedAt: Date.now(), capturedAt: Date.now() })); // may still be queued
    writeFileSync(path.join(t.snapshotDir, path.dirname(lostOld.snapshotPath as string), 'half-written.jpg.1234.tmp'), JPEG);

    const result = await t.app.get(SnapshotRetentionService).sweep({ orphans: true });
    expect(result.orphans).toBe(3);
    expect([held, lostOld, lostAlone, lostToday].map((e) => onDisk(e.snapshotPath))).toEqual([true, false, false, true]);
    expect(readdirSync(path.join(t.snapshotDir, 'cam-a2'))).toEqual([]); // its day held nothing else
    expect(readdirSync(path.join(t.snapshotDir, path.dirname(held.snapshotPath as string)))).toEqual([path.basename(held.snapshotPath as string)]);
  });

  it("keeps the picture of a health alert held back through a long maintenance window, raised with it at the window's end", async () => {
    await t.http.put('/cameras/cam-b/maintenance').set(await admin()).send({ minutes: 14 * 24 * 60, note: 'pole replaced' }).expect(200);
    const old = Date.now() - 9 * DAY; // the window began 9 days ago, the lens covered since
    const covered = withSnapshot(alertEvent({ cameraId: 'cam-b', rule: 'camera_covered', ruleId: 'health.covered', zoneId: undefined, severity: 'warning', startedAt: old, capturedAt: old }));
    expect(await intake.consume(covered)).toBe('suppressed');
    await t.app.get(SnapshotRetentionService).sweep({ orphans: true });
    expect(onDisk(covered.snapshotPath)).toBe(true); // before: deleted as an orphan
    await t.http.delete('/cameras/cam-b/maintenance').set(await admin()).expect(204);
    const raised = (await t.http.get(`/alerts/${encodeURIComponent(covered.alertId)}`).set(await admin())).body;
    expect(raised).toMatchObject({ rule: 'camera_covered', hasSnapshot: true });
  });
});
