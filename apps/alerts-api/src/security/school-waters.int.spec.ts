import '../testing/nest-esm';
import type { AlertEvent } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { TestPushClient } from '../realtime/testing/ws-client';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { startListeningApi, type ListeningApi } from './testing/listening-api';

// A school sees its waters, not everything its camera watches. cam-a (the world's north pond
// camera) gets a second zone, a square, and a tripwire across the road; a school whose waters are
// 'cam-a/pond' sees the pond's alerts and the camera's health alerts (covered), never the square's
// crowd nor the road's crossings — in lists, by id, in reports and CSV, over the WebSocket live and
// on resume. A school without waters still sees the whole camera.

const POND = { id: 'pond', name: '北塘', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] };
const SQUARE = { id: 'square', name: '广场', type: 'generic', polygon: [[0, 0], [1, 0], [1, 0.4], [0, 0.4]] };

interface Raised {
  pond: AlertEvent;
  square: AlertEvent;
  road: AlertEvent;
  covered: AlertEvent;
}

/** One alert in each zone of cam-a, one at its tripwire (no zone) and one about the camera, started a minute ago. */
function raise(): Raised {
  const startedAt = Date.now() - 60_000;
  return {
    pond: alertEvent({ cameraId: 'cam-a', zoneId: 'pond', startedAt }),
    square: alertEvent({ cameraId: 'cam-a', zoneId: 'square', ruleId: 'square.enter', message: "person entered zone 'square'", startedAt: startedAt + 1 }),
    road: alertEvent({ cameraId: 'cam-a', zoneId: undefined, ruleId: 'road.cross', rule: 'line_cross', severity: 'warning', message: "person crossed line 'road' left to right", startedAt: startedAt + 3 }),
    covered: alertEvent({ cameraId: 'cam-a', zoneId: undefined, ruleId: 'camera.covered', rule: 'camera_covered', severity: 'warning', boxes: [], message: 'camera covered', startedAt: startedAt + 2 }),
  };
}

const ROAD = { id: 'road', points: [[0, 0.2], [1, 0.2]] };

async function giveCamASquareAndRoad(t: { http: TestApp['http'] }, admin: Record<string, string>): Promise<void> {
  await t.http.put('/cameras/cam-a/zones').set(admin).send({ zones: [POND, SQUARE], lines: [ROAD] }).expect(200);
}

describe.each(DATABASE_KINDS)('school waters on %s', (kind) => {
  let t: TestApp;
  let admin: Record<string, string>;
  let raised: Raised;
  let keySecret: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    await giveCamASquareAndRoad(t, admin);
    await t.http.post('/users').set(admin).send({ username: 'pond-school', password: 'pond-school-password', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201);
    keySecret = (await t.http.post('/api-keys').set(admin).send({ name: 'pond school alarm box', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201)).body.key;
    raised = raise();
    const intake = t.app.get(AlertIntakeService);
    for (const event of Object.values(raised)) await intake.consume(event);
  });
  afterAll(async () => {
    await t?.close();
  });

  const as = async (who: 'pond-school' | 'school-a' | 'key') => ({ Authorization: `Bearer ${who === 'key' ? keySecret : await t.token(who)}` });
  const listed = async (who: 'pond-school' | 'school-a' | 'key') => {
    const res = await t.http.get('/alerts').query({ camera: 'cam-a' }).set(await as(who)).expect(200);
    return (res.body.items as { id: string }[]).map((a) => a.id).sort();
  };

  it("lists the waters' alerts and the camera's health alerts, not the square's nor the road's; a school without waters gets all four", async () => {
    const { pond, square, road, covered } = raised;
    expect(await listed('pond-school')).toEqual([pond.alertId, covered.alertId].sort());
    expect(await listed('key')).toEqual([pond.alertId, covered.alertId].sort());
    expect(await listed('school-a')).toEqual([pond.alertId, square.alertId, road.alertId, covered.alertId].sort());
    // Paging does not let another zone's alert through.
    const first = await t.http.get('/alerts').query({ camera: 'cam-a', limit: 1 }).set(await as('pond-school')).expect(200);
    const second = await t.http.get('/alerts').query({ camera: 'cam-a', limit: 5, cursor: first.body.nextCursor }).set(await as('pond-school')).expect(200);
    expect([...first.body.items, ...second.body.items].map((a: { id: string }) => a.id).sort()).toEqual([pond.alertId, covered.alertId].sort());
  });

  it("answers 404 for the square's and the road's alerts by id, for their evidence and for acting on them", async () => {
    for (const other of [raised.square, raised.road]) {
      const id = encodeURIComponent(other.alertId);
      for (const who of ['pond-school', 'key'] as const) {
        const auth = await as(who);
        await t.http.get(`/alerts/${id}`).set(auth).expect(404);
        for (const part of ['snapshot', 'evidence', 'clip', 'hires-snapshot']) await t.http.get(`/alerts/${id}/${part}`).set(auth).expect(404);
        await t.http.post(`/alerts/${id}/acknowledge`).set(auth).send({}).expect(404);
        await t.http.post(`/alerts/${id}/seen`).set(auth).send({}).expect(404);
        const bulk = await t.http.post('/alerts/bulk/acknowledge').set(auth).send({ ids: [other.alertId] }).expect(200);
        expect(bulk.body.results).toEqual([expect.objectContaining({ id: other.alertId, ok: false, status: 404 })]);
      }
    }
    const id = encodeURIComponent(raised.square.alertId);
    const pond = await t.http.get(`/alerts/${encodeURIComponent(raised.pond.alertId)}`).set(await as('pond-school')).expect(200);
    expect(pond.body).toMatchObject({ zoneId: 'pond', zoneName: '北塘' });
    await t.http.get(`/alerts/${encodeURIComponent(raised.covered.alertId)}`).set(await as('pond-school')).expect(200);
    const square = await t.http.get(`/alerts/${id}`).set(admin).expect(200);
    expect(square.body.state).toBe('open');
  });

  it('counts and exports only the waters\' alerts in reports', async () => {
    const report = await t.http.get('/reports/alerts').set(await as('pond-school')).expect(200);
    expect(report.body.totals.alerts).toBe(2);
    const csv = await t.http.get('/reports/alerts.csv').set(await as('pond-school')).expect(200);
    expect(csv.text).toContain(raised.pond.alertId);
    expect(csv.text).toContain(raised.covered.alertId);
    expect(csv.text).not.toContain(raised.square.alertId);
    expect(csv.text).not.toContain(raised.road.alertId);
    const whole = await t.http.get('/reports/alerts').set(await as('school-a')).expect(200);
    expect(whole.body.totals.alerts).toBe(4);
  });

  it('refuses waters that are not a school\'s own zones, naming the field and the zone', async () => {
    const base = { password: 'some-password-1', role: 'school', cameraIds: ['cam-a'] };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ waters: ['cam-b/pond'] }, 'in_scope', /camera 'cam-b' is not one of cameraIds/],
      [{ waters: ['cam-a/lake'] }, 'exists', /camera 'cam-a' has no zone 'lake'/],
      [{ waters: ['cam-a'] }, 'invalid_format', /camera\/zone/],
      [{ role: 'operator', cameraIds: [], regionIds: ['town-a1'], waters: ['cam-a/pond'] }, 'school_scope', /only schools have waters/],
    ];
    for (const [i, [body, rule, message]] of cases.entries()) {
      const res = await t.http.post('/users').set(admin).send({ ...base, username: `bad-waters-${i}`, ...body }).expect(400);
      const text = JSON.stringify(res.body);
      expect(text).toMatch(message);
      expect(text).toContain(rule === 'invalid_format' ? 'waters' : rule);
    }
    const ignoring = await t.http.put('/cameras/cam-a3/zones').set(admin).send({ zones: [{ ...SQUARE, id: 'post', type: 'ignore' }] }).expect(200);
    expect(ignoring.body.zones).toHaveLength(1);
    const res = await t.http.post('/users').set(admin).send({ ...base, username: 'ignore-waters', cameraIds: ['cam-a3'], waters: ['cam-a3/post'] }).expect(400);
    expect(JSON.stringify(res.body)).toMatch(/ignore zone and raises no alerts/);
  });

  it("keeps a school's water and camera from disappearing under it: removing, ignoring or deleting them is refused, naming the school", async () => {
    const siren = await t.http.post('/webhooks').set(admin).send({ name: 'pond siren', url: 'http://127.0.0.1:2/siren', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201);
    const conflict = (res: { status: number; body: { message?: string } }) => {
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/camera 'cam-a'.*user 'pond-school' \('pond'\), API key 'pond school alarm box' \('pond'\), webhook 'pond siren' \('pond'\)/);
    };
    conflict(await t.http.put('/cameras/cam-a/zones').set(admin).send({ zones: [SQUARE] }));
    conflict(await t.http.put('/cameras/cam-a/zones').set(admin).send({ zones: [{ ...POND, type: 'ignore' }, SQUARE] }));
    const deleting = await t.http.delete('/cameras/cam-a').set(admin);
    expect([deleting.status, deleting.body.message]).toEqual([
      409,
      "camera 'cam-a' is a school's camera and cannot be deleted; take it out of the cameras of user 'pond-school', user 'school-a', API key 'pond school alarm box' and take it (and its zones) out of the cameras and waters of webhook 'pond siren' first",
    ]);
    // Nor switched off: the camera disabled, or the water left with no rule watching it.
    const disabling = await t.http.patch('/cameras/cam-a').set(admin).send({ enabled: false });
    expect([disabling.status, disabling.body.message]).toEqual([409, expect.stringMatching(/^camera 'cam-a' is a school's camera and cannot be disabled; take it out of the cameras of user 'pond-school'/)]);
    // A zone that no explicit rule names keeps its default rules (effectiveRules): only disabled rules leave it unwatched.
    const pondOff = (id: string, type: string) => ({ id, type, zone: 'pond', enabled: false });
    for (const rules of [[pondOff('pond.vanish', 'vanish_in_water')], [{ id: 'health.frozen', type: 'camera_frozen' }, pondOff('pond.enter', 'zone_enter')]]) {
      const unruled = await t.http.put('/cameras/cam-a/rules').set(admin).send({ rules });
      expect([unruled.status, unruled.body.message]).toEqual([409, expect.stringMatching(/^camera 'cam-a': zones that are a school's waters cannot be left without a rule; take them out of the waters of user 'pond-school' \('pond'\)/)]);
    }
    await t.http.put('/cameras/cam-a/rules').set(admin).send({ rules: [] }).expect(200); // the defaults: pond watched
    await t.http.put('/cameras/cam-a/rules').set(admin).send({ rules: [{ id: 'pond.vanish', type: 'vanish_in_water', zone: 'pond' }] }).expect(200);
    await t.http.put('/cameras/cam-a/rules').set(admin).send({ rules: null }).expect(200);
    // The alarm box's waters change in place: the key keeps working and no longer holds the zone.
    const box = ((await t.http.get('/api-keys').set(admin)).body.items as { id: string; name: string }[]).find((k) => k.name === 'pond school alarm box');
    await t.http.patch(`/api-keys/${box?.id}`).set(admin).send({ waters: ['cam-a/square'] }).expect(200);
    expect((await t.http.put('/cameras/cam-a/zones').set(admin).send({ zones: [SQUARE] })).body.message).not.toContain('API key');
    await t.http.patch(`/api-keys/${box?.id}`).set(admin).send({ waters: ['cam-a/pond'] }).expect(200);
    // A webhook that only lists the camera (no waters) holds it too: without it, a webhook naming no
    // other camera or region would receive every camera's events.
    await t.http.patch(`/webhooks/${siren.body.id}`).set(admin).send({ waters: [] }).expect(200);
    expect((await t.http.delete('/cameras/cam-a').set(admin)).body.message).toContain("out of the cameras and waters of webhook 'pond siren'");
    await t.http.patch(`/webhooks/${siren.body.id}`).set(admin).send({ cameraIds: ['cam-b'] }).expect(200);
    expect((await t.http.delete('/cameras/cam-a').set(admin)).body.message).not.toContain('webhook');
    // Renaming or redrawing the water is fine; so is removing the square nobody lists.
    await t.http.put('/cameras/cam-a/zones').set(admin).send({ zones: [{ ...POND, name: '北塘（新）', polygon: [[0, 0.4], [1, 0.4], [1, 0.9], [0, 0.9]] }, SQUARE] }).expect(200);
    const camera = await t.http.get('/cameras/cam-a').set(admin).expect(200);
    expect(camera.body.zones.map((z: { id: string }) => z.id)).toEqual(['pond', 'square']);
    // Once no school lists it, the camera goes.
    await t.http.post('/cameras').set(admin).send({ id: 'cam-old', url: 'rtsp://10.0.0.9/main', regionId: 'vil-a1a' }).expect(201);
    const user = (await t.http.post('/users').set(admin).send({ username: 'moving-school', password: 'moving-school-pw', role: 'school', cameraIds: ['cam-old'] }).expect(201)).body;
    expect((await t.http.delete('/cameras/cam-old').set(admin)).status).toBe(409);
    await t.http.patch(`/users/${user.id}`).set(admin).send({ cameraIds: ['cam-a'] }).expect(200);
    await t.http.delete('/cameras/cam-old').set(admin).expect(204);
  });
});

describe('school waters over the WebSocket', () => {
  let env: ListeningApi;
  const clients: TestPushClient[] = [];

  beforeAll(async () => {
    env = await startListeningApi();
    const { world } = env.api;
    const admin = { Authorization: `Bearer ${await world.token('admin')}` };
    await giveCamASquareAndRoad(world, admin);
    await world.http.post('/users').set(admin).send({ username: 'pond-school', password: 'pond-school-password', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await env?.close();
  });

  it("pushes the waters' alerts and the camera's health alerts, live and on resume; a school without waters gets all", async () => {
    const { api } = env;
    const tokens = { pond: await api.world.token('pond-school'), whole: await api.world.token('school-a') };
    const live = { pond: await TestPushClient.connect(api.wsUrl, tokens.pond), whole: await TestPushClient.connect(api.wsUrl, tokens.whole) };
    clients.push(live.pond, live.whole);
    for (const c of Object.values(live)) await c.waitFor('hello', () => c.messages.some((m) => m.type === 'hello'));
    const startSeq = live.pond.messages.find((m) => m.type === 'hello')?.seq as number;

    const raised = raise();
    const intake = api.app.get(AlertIntakeService);
    for (const event of [raised.square, raised.road, raised.pond, raised.covered]) await intake.consume(event);
    const ids = (c: TestPushClient) => c.events.map((m) => m.data?.id as string).sort();
    const all = [raised.pond, raised.square, raised.road, raised.covered].map((e) => e.alertId).sort();
    const mine = [raised.pond, raised.covered].map((e) => e.alertId).sort();

    // The square's and the road's alerts went out first: once the whole-camera school has the last one, so has every client.
    await live.whole.waitFor('all four alerts', () => ids(live.whole).length === 4, 10_000);
    await live.pond.waitFor('the covered alert', () => ids(live.pond).includes(raised.covered.alertId), 10_000);
    expect(ids(live.whole)).toEqual(all);
    expect(ids(live.pond)).toEqual(mine);

    const resumed = await TestPushClient.connect(api.wsUrl, tokens.pond, { lastSeq: startSeq });
    clients.push(resumed);
    await resumed.waitFor('the replayed covered alert', () => ids(resumed).includes(raised.covered.alertId), 10_000);
    expect(ids(resumed)).toEqual(mine);
  }, 60_000);
});
