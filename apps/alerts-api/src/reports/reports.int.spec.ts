import '../testing/nest-esm';
import type { Kysely, KyselyPlugin } from 'kysely';
import { SYSTEM } from '../alerts/alert';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AlertsService } from '../alerts/alerts.service';
import { Clock } from '../common/clock';
import { KYSELY } from '../core/tokens';
import type { Database } from '../db/schema';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { ReportsRepository } from './reports.repository';

/** Time that moves only when the test says so: reaction times are then exact. */
class ManualClock extends Clock {
  constructor(public at: number) {
    super();
  }
  now(): number {
    return this.at;
  }
}

const S = 1000;

describe.each(DATABASE_KINDS)('duty reports on %s', (kind) => {
  let t: TestApp;
  // Whole seconds, so that the CSV's local times are exact.
  const T0 = Math.floor(Date.now() / 1000) * 1000;
  const clock = new ManualClock(T0);
  const ids: Record<string, string> = {};
  const auth = async (user: string) => ({ Authorization: `Bearer ${await t.token(user)}` });
  const period = { from: String(T0 - 60 * S), to: String(T0 + 3600 * S) };

  async function raise(name: string, at: number, event: Parameters<typeof alertEvent>[0]): Promise<void> {
    clock.at = at;
    const e = alertEvent({ startedAt: at - 2 * S, ...event });
    expect(await t.app.get(AlertIntakeService).consume(e)).toBe('created');
    ids[name] = encodeURIComponent(e.alertId);
  }
  async function act(at: number, user: string, name: string, action: string, body: object = {}): Promise<void> {
    clock.at = at;
    const res = await t.http.post(`/alerts/${ids[name]}/${action}`).set(await auth(user)).send(body);
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    // No escalation: the clock jumps, and escalation is not what these tests are about.
    const noSla = { SLA_CRITICAL_SECONDS: '0', SLA_MAJOR_SECONDS: '0', SLA_WARNING_SECONDS: '0' };
    t = await startTestApp(kind, noSla, { clock });
    await createWorld(t);
    // Before the period: must not be counted.
    await raise('old', T0 - 3600 * S, { cameraId: 'cam-a' });
    await raise('a1', T0, { cameraId: 'cam-a' });
    await raise('a2', T0 + 10 * S, { cameraId: 'cam-a', rule: 'vanish_in_water', severity: 'critical', ruleId: 'pond.vanish' });
    await raise('a3', T0 + 20 * S, { cameraId: 'cam-a' });
    await raise('b1', T0 + 5 * S, { cameraId: 'cam-b', rule: 'crowd', severity: 'warning', ruleId: 'square.crowd' });
    await act(T0 + 15 * S, 'op-b', 'b1', 'acknowledge');
    await act(T0 + 30 * S, 'op-a', 'a1', 'acknowledge');
    await act(T0 + 70 * S, 'op-a', 'a2', 'acknowledge');
    await act(T0 + 130 * S, 'op-a', 'a2', 'resolve', { outcome: 'false_alarm' });
    await act(T0 + 300 * S, 'op-a', 'a1', 'resolve', { outcome: 'true_alarm' });
    clock.at = T0 + 600 * S;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('gives an admin the figures of every alert that started in the period', async () => {
    const res = await t.http.get('/reports/alerts').query(period).set(await auth('admin'));
    expect(res.status).toBe(200);
    const r = res.body;
    expect(r).toMatchObject({ from: T0 - 60 * S, to: T0 + 3600 * S, regionId: null, timezone: 'Asia/Shanghai', generatedAt: T0 + 600 * S });
    expect(r.totals).toMatchObject({ alerts: 4, critical: 1, trueAlarms: 1, falseAlarms: 1, falseAlarmRate: 0.5, escalated: 0 });
    expect(r.totals.byState).toEqual({ open: 1, acknowledged: 1, dispatched: 0, resolved: 2 });
    expect(r.totals.byOutcome).toMatchObject({ true_alarm: 1, false_alarm: 1, unresolved: 2 });
    // acknowledged after 10 s (b1), 30 s (a1), 60 s (a2); a3 still waits since T0 + 20 s
    expect(r.acknowledge).toEqual({ count: 3, p50Ms: 30 * S, p90Ms: 60 * S, maxMs: 60 * S, waiting: 1, oldestWaitingMs: 580 * S });
    expect(r.resolve).toEqual({ count: 2, p50Ms: 120 * S, p90Ms: 300 * S, maxMs: 300 * S });
    expect(r.byRule[0]).toEqual({ rule: 'zone_enter', alerts: 2, critical: 0, trueAlarms: 1, falseAlarms: 0 });
    expect(r.byRegion.map((x: { regionId: string; regionName: string; alerts: number }) => [x.regionId, x.regionName, x.alerts])).toEqual([
      ['vil-a1a', 'Village A1a', 3],
      ['vil-b1a', 'Village B1a', 1],
    ]);
    expect(r.byCamera[0]).toMatchObject({ cameraId: 'cam-a', cameraName: 'North pond', alerts: 3, falseAlarms: 1 });
    expect(r.byHour.reduce((a: number, b: number) => a + b, 0)).toBe(4);
  });

  it('buckets by hour in the time zone asked for', async () => {
    const res = await t.http.get('/reports/alerts').query({ ...period, timezone: 'UTC' }).set(await auth('admin'));
    expect(res.status).toBe(200);
    // a1 started 2 s before T0; the others later: count the expected buckets the same way
    const expected = new Array<number>(24).fill(0);
    for (const at of [T0 - 2 * S, T0 + 8 * S, T0 + 18 * S, T0 + 3 * S]) expected[new Date(at).getUTCHours()]++;
    expect(res.body.byHour).toEqual(expected);
  });

  it('shows each caller only the alerts of its scope, and a region subtree on request', async () => {
    const count = async (user: string, query: object = {}) => {
      const res = await t.http.get('/reports/alerts').query({ ...period, ...query }).set(await auth(user));
      return res.status === 200 ? res.body.totals.alerts : res.status;
    };
    expect(await count('op-a')).toBe(3); // township A1: cam-a only
    expect(await count('school-a')).toBe(3); // its camera
    expect(await count('op-b')).toBe(1);
    expect(await count('op-city', { region: 'county-b' })).toBe(1);
    expect(await count('admin', { region: 'town-a1' })).toBe(3);
    // a region outside the caller's scope, or none at all, is not found either way
    expect(await count('op-a', { region: 'county-b' })).toBe(404);
    expect(await count('school-a', { region: 'vil-a1a' })).toBe(404);
    expect(await count('admin', { region: 'no-such-region' })).toBe(404);
  });

  it('refuses a period that is empty, reversed or too long, and an unknown time zone, naming the field', async () => {
    const admin = await auth('admin');
    const bad = async (query: object) => (await t.http.get('/reports/alerts').query(query).set(admin)).body as { message: string };
    expect((await bad({ from: String(T0), to: String(T0) })).message).toMatch(/query\.from: .* must be before query\.to/);
    expect((await bad({ from: '2025-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' })).message).toMatch(/516 days is longer than 400 days/);
    expect((await bad({ timezone: 'Mars/Base' })).message).toMatch(/query\.timezone: must be an IANA time zone/);
    expect((await bad({ from: 'yesterday' })).message).toMatch(/query\.from: must be epoch milliseconds or an ISO 8601/);
    expect((await bad({ extra: '1' })).message).toMatch(/extra/);
    expect((await bad({ from: '2026-02-30' })).message).toMatch(/query\.from: '2026-02-30' is not a date that exists/);
  });

  it('reads a date or date-time without a zone in the report\'s time zone, and one with a zone as given', async () => {
    const admin = await auth('admin');
    const report = async (query: object) => (await t.http.get('/reports/alerts').query(query).set(admin)).body as { from: number; to: number };
    expect(await report({ from: '2026-07-01', to: '2026-07-02', timezone: 'Asia/Shanghai' })).toMatchObject({ from: Date.UTC(2026, 5, 30, 16), to: Date.UTC(2026, 6, 1, 16) });
    expect(await report({ from: '2026-07-01T08:30', to: '2026-07-01T09:00:00.5', timezone: 'UTC' })).toMatchObject({ from: Date.UTC(2026, 6, 1, 8, 30), to: Date.UTC(2026, 6, 1, 9, 0, 0, 500) });
    expect(await report({ from: '2026-07-01T00:00:00+08:00', to: '2026-07-01T00:00:00Z', timezone: 'America/New_York' })).toMatchObject({ from: Date.UTC(2026, 5, 30, 16), to: Date.UTC(2026, 6, 1) });
  });

  it('exports the same alerts as CSV for a spreadsheet, scoped like the figures', async () => {
    const res = await t.http.get('/reports/alerts.csv').query({ ...period, timezone: 'UTC' }).set(await auth('op-a'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="alerts-\d{4}-\d{2}-\d{2}(-\d{4}-\d{2}-\d{2})?\.csv"$/);
    // Named by the dates of the report's time zone: 1 July in Asia/Shanghai begins at 16:00Z on 30 June.
    const july1 = { from: String(Date.UTC(2026, 5, 30, 16)), to: String(Date.UTC(2026, 6, 1, 16)), timezone: 'Asia/Shanghai' };
    const named = await t.http.get('/reports/alerts.csv').query(july1).set(await auth('op-a'));
    expect(named.headers['content-disposition']).toBe('attachment; filename="alerts-2026-07-01.csv"'); // one day, named by it alone
    const week = { ...july1, to: String(Date.UTC(2026, 6, 7, 16)) };
    expect((await t.http.get('/reports/alerts.csv').query(week).set(await auth('op-a'))).headers['content-disposition']).toBe('attachment; filename="alerts-2026-07-01-2026-07-07.csv"');
    const text = res.text;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(4); // header + cam-a's three alerts, oldest first
    expect(lines[0]).toMatch(/^alert_id,started \(UTC\),camera_id,camera_name,/);
    const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    const a2 = lines[2].split(',');
    expect(a2[0]).toBe(decodeURIComponent(ids.a2));
    expect(a2.slice(1, 4)).toEqual([utc(T0 + 8 * S), 'cam-a', 'North pond']);
    expect(a2.slice(6, 16)).toEqual(['vanish_in_water', 'critical', 'resolved', 'false_alarm', '0', utc(T0 + 70 * S), 'op-a', '60', utc(T0 + 130 * S), '120']);
    expect(a2.slice(16)).toEqual(['pond', '北塘']); // the zone, by the name cam-a's configuration gives it
    expect(text).not.toContain('cam-b');
  });

  it('reads each camera\'s zones once, not once per alert: they are kilobytes of polygons a report holds 100,000 times', async () => {
    // Counts the zones JSON texts the database sends back, over every query the report's read makes.
    let zonesTexts = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        for (const row of args.result.rows) for (const value of Object.values(row)) if (typeof value === 'string' && value.includes('"polygon"')) zonesTexts++;
        return args.result;
      },
    };
    const repository = new ReportsRepository(t.app.get<Kysely<Database>>(KYSELY).withPlugin(counting));
    const rows = await repository.alertsStarted({ all: true }, { from: Number(period.from), to: Number(period.to), limit: 100 });
    expect(rows.map((r) => [r.cameraId, r.zoneId, r.zoneName])).toEqual([
      ['cam-a', 'pond', '北塘'],
      ['cam-b', 'pond', '北塘'],
      ['cam-a', 'pond', '北塘'],
      ['cam-a', 'pond', '北塘'],
    ]);
    expect(zonesTexts).toBe(2); // cam-a's and cam-b's; 4 when every alert row carried its camera's
  });

  // Last: it adds alerts the tests above do not expect.
  it('adds up camera downtime from camera_offline alerts, one still dark counted up to now', async () => {
    await raise('dark1', T0 + 700 * S, { cameraId: 'cam-a3', rule: 'camera_offline', severity: 'warning', ruleId: 'camera.offline', boxes: [] });
    await act(T0 + 760 * S, 'op-a', 'dark1', 'acknowledge');
    await act(T0 + 818 * S, 'op-a', 'dark1', 'resolve', { outcome: 'true_alarm' });
    await raise('dark2', T0 + 900 * S, { cameraId: 'cam-a3', rule: 'camera_offline', severity: 'warning', ruleId: 'camera.offline', boxes: [] });
    clock.at = T0 + 1000 * S;
    const res = await t.http.get('/reports/alerts').query(period).set(await auth('op-a'));
    expect(res.status).toBe(200);
    // started 2 s before each was raised: 120 s, then 102 s until now
    expect(res.body.downtime).toEqual({
      outages: 2,
      offlineMs: 222 * S,
      cameras: [{ cameraId: 'cam-a3', cameraName: 'Village bridge', outages: 2, offlineMs: 222 * S, stillOffline: true }],
    });
    const other = await t.http.get('/reports/alerts').query(period).set(await auth('op-b'));
    expect(other.body.downtime).toEqual({ outages: 0, offlineMs: 0, cameras: [] });
  });
  // After the one above: it adds outages before the period.
  it('counts the offline time inside the period of outages that began before it, but not their alerts', async () => {
    const admin = await auth('admin');
    const alertsBefore = (await t.http.get('/reports/alerts').query(period).set(admin)).body.totals.alerts as number;
    const offline = { rule: 'camera_offline', severity: 'warning', ruleId: 'camera.offline', zoneId: undefined, boxes: [] } satisfies Partial<Parameters<typeof alertEvent>[0]>;
    // cam-b: dark since half an hour before the period, still dark.
    await raise('darkBefore', T0 - 1800 * S, { cameraId: 'cam-b', ...offline });
    // cam-a2: an outage over before the period began (not in it), then one from before it that ended in it.
    await raise('overBefore', T0 - 3000 * S, { cameraId: 'cam-a2', ...offline });
    await t.app.get<Kysely<Database>>(KYSELY).updateTable('alerts').set({ state: 'resolved', outcome: 'recovered', resolved_at: T0 - 2000 * S }).where('id', '=', decodeURIComponent(ids.overBefore)).execute();
    await raise('endsInPeriod', T0 - 900 * S, { cameraId: 'cam-a2', ...offline });
    await act(T0 + 1100 * S, 'op-a', 'endsInPeriod', 'acknowledge');
    await act(T0 + 1100 * S, 'op-a', 'endsInPeriod', 'resolve', { outcome: 'true_alarm' });
    clock.at = T0 + 1200 * S;

    const b = (await t.http.get('/reports/alerts').query(period).set(await auth('op-b'))).body;
    // from the period's start (T0 - 60 s) to now
    expect(b.downtime).toEqual({ outages: 1, offlineMs: 1260 * S, cameras: [{ cameraId: 'cam-b', cameraName: 'River bend', outages: 1, offlineMs: 1260 * S, stillOffline: true }] });
    expect(b.totals.alerts).toBe(1); // b1: an alert raised before the period is not one of the period's

    const a = (await t.http.get('/reports/alerts').query(period).set(await auth('op-a'))).body;
    expect(a.downtime.cameras).toEqual([
      { cameraId: 'cam-a2', cameraName: 'Township square', outages: 1, offlineMs: 1160 * S, stillOffline: false }, // T0 - 60 s … T0 + 1100 s
      { cameraId: 'cam-a3', cameraName: 'Village bridge', outages: 2, offlineMs: 120 * S + 302 * S, stillOffline: true },
    ]);
    expect(a.downtime).toMatchObject({ outages: 3, offlineMs: 1582 * S });
    expect((await t.http.get('/reports/alerts').query(period).set(admin)).body.totals.alerts).toBe(alertsBefore);
    // A region subtree outside the outage's camera leaves it out.
    expect((await t.http.get('/reports/alerts').query({ ...period, region: 'county-a' }).set(admin)).body.downtime.cameras.map((c: { cameraId: string }) => c.cameraId)).toEqual(['cam-a2', 'cam-a3']);
  });

  // After the ones above: an outage from before the period that an operator resolved before it too
  // (a repair ticket filed the evening before), the camera back inside the period.
  it('counts an outage resolved by an operator before the period until the camera came back in it', async () => {
    const offline = { rule: 'camera_offline', severity: 'warning', ruleId: 'camera.offline', zoneId: undefined, boxes: [] } satisfies Partial<Parameters<typeof alertEvent>[0]>;
    await raise('ticketFiled', T0 - 3600 * S, { cameraId: 'cam-a', ...offline });
    const id = decodeURIComponent(ids.ticketFiled);
    await t.app.get<Kysely<Database>>(KYSELY).updateTable('alerts').set({ state: 'resolved', outcome: 'true_alarm', resolved_at: T0 - 3000 * S }).where('id', '=', id).execute();
    clock.at = T0 + 530 * S; // back at T0 + 500 s, confirmed after the stability wait
    expect(await t.app.get(AlertsService).recordOutageEndBySystem(id, SYSTEM.cameraStatus, { kind: 'camera_recovered', offlineSeconds: 4100, backAt: T0 + 500 * S, drops: 1 })).toBe(true);
    clock.at = T0 + 1300 * S;
    const a = (await t.http.get('/reports/alerts').query(period).set(await auth('op-a'))).body;
    // from the period's start (T0 - 60 s) to its return
    expect(a.downtime.cameras).toContainEqual({ cameraId: 'cam-a', cameraName: expect.any(String), outages: 1, offlineMs: 560 * S, stillOffline: false }); // before: left out
  });

  // After the one above (cam-a's 560 s): an unstable link's alert superseded when the camera went blind
  // (camera-status: a new outage from the drop's start, with its own alert) ends where the blind one
  // begins — the time between is the blind outage's, not both (session-34 review, F4).
  it("ends a superseded unstable link's outage where the blind outage split from it begins", async () => {
    const offline = { cameraId: 'cam-a', rule: 'camera_offline', severity: 'major', zoneId: undefined, boxes: [] } satisfies Partial<Parameters<typeof alertEvent>[0]>;
    await raise('unstableLink', T0 + 602 * S, { ...offline, ruleId: 'health.unstable' }); // from T0 + 600 s
    await raise('blind', T0 + 702 * S, { ...offline, ruleId: 'health.offline' }); // dark from T0 + 700 s
    clock.at = T0 + 800 * S; // split when the drop reached the threshold (and a sweep came round)
    const detail = { kind: 'superseded_by_offline' as const, offlineAlertId: decodeURIComponent(ids.blind), darkSince: T0 + 700 * S, thresholdSeconds: 60 };
    expect(await t.app.get(AlertsService).resolveBySystem(decodeURIComponent(ids.unstableLink), SYSTEM.cameraStatus, detail)).toBe(true);
    clock.at = T0 + 1300 * S;
    const a = (await t.http.get('/reports/alerts').query(period).set(await auth('op-a'))).body;
    // 560 s as above, 100 s of the unstable link, 600 s blind till now; before: the unstable link's ran to the split, 200 s
    expect(a.downtime.cameras).toContainEqual({ cameraId: 'cam-a', cameraName: expect.any(String), outages: 3, offlineMs: 1260 * S, stillOffline: true });
  });

  // After the ones above, on a camera of its own: an unstable link's alert an operator resolved before
  // the period ("known flaky link"), whose camera went blind inside it. camera-status notes the split on
  // it (superseded_by_offline): the outage counts from the period's start to the blind one's, which its
  // own alert counts on (session-34 latest review, F4).
  it("counts an unstable link's outage resolved by an operator before the period up to the blind outage noted on it", async () => {
    const admin = await auth('admin');
    const camera = { id: 'cam-a4', name: 'Reed bank', url: 'rtsp://10.0.0.4/main', regionId: 'vil-a1a' };
    expect((await t.http.post('/cameras').set(admin).send(camera)).status).toBe(201);
    const offline = { cameraId: 'cam-a4', rule: 'camera_offline', severity: 'major', zoneId: undefined, boxes: [] } satisfies Partial<Parameters<typeof alertEvent>[0]>;
    await raise('flaky', T0 - 600 * S, { ...offline, ruleId: 'health.unstable' }); // from T0 - 602 s
    const flaky = decodeURIComponent(ids.flaky);
    await t.app.get<Kysely<Database>>(KYSELY).updateTable('alerts').set({ state: 'resolved', outcome: 'true_alarm', resolved_at: T0 - 500 * S }).where('id', '=', flaky).execute();
    await raise('blindA4', T0 + 1402 * S, { ...offline, ruleId: 'health.offline' }); // dark from T0 + 1400 s
    clock.at = T0 + 1460 * S; // split a threshold after
    const detail = { kind: 'superseded_by_offline' as const, offlineAlertId: decodeURIComponent(ids.blindA4), darkSince: T0 + 1400 * S, thresholdSeconds: 60 };
    expect(await t.app.get(AlertsService).recordOutageEndBySystem(flaky, SYSTEM.cameraStatus, detail)).toBe(true);
    // Noted once: neither a second split nor the camera's return writes another end.
    expect(await t.app.get(AlertsService).recordOutageEndBySystem(flaky, SYSTEM.cameraStatus, { kind: 'camera_recovered', offlineSeconds: 3000, backAt: T0 + 2400 * S, drops: 4 })).toBe(false);
    clock.at = T0 + 1500 * S;
    const a = (await t.http.get('/reports/alerts').query(period).set(await auth('op-a'))).body;
    // T0 - 60 s … T0 + 1400 s, then blind till now (100 s); before: the unstable link's left out
    expect(a.downtime.cameras).toContainEqual({ cameraId: 'cam-a4', cameraName: 'Reed bank', outages: 2, offlineMs: 1560 * S, stillOffline: true });
  });
});
