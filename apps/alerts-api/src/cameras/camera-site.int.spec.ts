import '../testing/nest-esm';
import { CAMERA_CONFIG_HASH } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { RedisEventLog } from '../realtime/event-log';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';

// A camera's site — where its water is and whom to call — is kept with the camera, travels with
// each of its alerts to whoever may see them (operator, school), and never reaches the workers.

const SITE = {
  address: '青山村东鱼塘（村委会东 300 米）',
  directions: '村委会门口往东，过桥左转',
  location: { lat: 30.27412, lon: 120.15508 },
  contacts: [
    { name: '王建国', role: '网格员', phone: '138 0013 8000' },
    { name: '李塘主', phone: '0571-8888 6666' },
  ],
  rescueEquipment: '救生圈 2 个在南岸凉亭柱上',
};

describe.each(DATABASE_KINDS)('camera site on %s', (kind) => {
  let t: TestApp;
  const as = async (who: string) => ({ Authorization: `Bearer ${await t.token(who)}` });

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is set by an operator of the camera, returned with the camera, and never published to ingest and the analyzer', async () => {
    const res = await t.http.patch('/cameras/cam-a').set(await as('op-a')).send({ site: SITE }).expect(200);
    expect(res.body.site).toEqual(SITE);
    expect((await t.http.get('/cameras/cam-a').set(await as('school-a')).expect(200)).body.site).toEqual(SITE);
    // Zones and rules saved later keep it.
    await t.http.put('/cameras/cam-a/rules').set(await as('op-a')).send({ rules: null }).expect(200);
    expect((await t.http.get('/cameras/cam-a').set(await as('admin')).expect(200)).body.site).toEqual(SITE);
    const published = await t.redis.hget(`${t.settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`, 'cam-a');
    expect(published).toBeTruthy();
    expect(JSON.parse(published as string)).not.toHaveProperty('site');
    expect(published).not.toContain('138 0013 8000');
    expect(published).not.toContain('王建国');
  });

  it("finds the camera by its site's place name, directions, people or numbers, never by the site's field names", async () => {
    const found = async (q: string) => ((await t.http.get('/cameras').query({ q }).set(await as('op-a')).expect(200)).body.items as { id: string }[]).map((c) => c.id);
    expect(await found('青山村')).toEqual(['cam-a']); // a caller names the place, not the camera
    expect(await found('王建国')).toEqual(['cam-a']);
    expect(await found('0013 8000')).toEqual(['cam-a']);
    expect(await found('13800138000')).toEqual(['cam-a']); // the number typed without its spaces
    expect(await found('凉亭')).toEqual(['cam-a']);
    expect(await found('phone')).toEqual([]);
    expect(await found('address')).toEqual([]);
    expect(await found('North')).toEqual(['cam-a']); // the name still counts
    await t.http.patch('/cameras/cam-a3').set(await as('op-a')).send({ site: { address: 'East Pond Footbridge' } }).expect(200);
    expect(await found('pond FOOTBRIDGE')).toEqual(['cam-a3']); // any case, on both databases
    await t.http.patch('/cameras/cam-a3').set(await as('op-a')).send({ site: null }).expect(200);
    expect(((await t.http.get('/cameras').query({ q: '青山村' }).set(await as('op-b')).expect(200)).body.items as unknown[]).length).toBe(0); // not in op-b's scope
  });

  it('refuses a bad site with 400 naming the field, and an operator of another region with 404', async () => {
    const bad = await t.http
      .patch('/cameras/cam-a')
      .set(await as('admin'))
      .send({ site: { ...SITE, contacts: [{ name: '王', phone: 'ask the office' }], location: { lat: 95, lon: 120 } } })
      .expect(400);
    const text = JSON.stringify(bad.body);
    expect(text).toContain('site.contacts[0].phone');
    expect(text).toContain('site.location.lat');
    await t.http.patch('/cameras/cam-a').set(await as('op-b')).send({ site: SITE }).expect(404);
    await t.http.patch('/cameras/cam-a').set(await as('school-a')).send({ site: SITE }).expect(403);
    expect((await t.http.get('/cameras/cam-a').set(await as('admin')).expect(200)).body.site).toEqual(SITE);
  });

  it("comes with each of the camera's alerts, as the camera has it now, for the operator and the school alike", async () => {
    const event = alertEvent({ cameraId: 'cam-a', zoneId: 'pond', rule: 'vanish_in_water', severity: 'critical', startedAt: Date.now() - 10_000 });
    await t.app.get(AlertIntakeService).consume(event);
    const detail = await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(await as('op-a')).expect(200);
    expect(detail.body.site).toEqual(SITE);
    expect((await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(await as('school-a')).expect(200)).body.site).toEqual(SITE);
    // Pushes, webhooks and MQTT say where it is — the address and coordinates, never the people's numbers.
    const logged = (await t.app.get(RedisEventLog).readAfter(0, 1000)).events.filter((e) => e.type === 'alert.created' && (e.data as { id: string }).id === event.alertId);
    expect(logged).toHaveLength(1);
    expect((logged[0].data as { place: unknown }).place).toEqual({ address: SITE.address, location: SITE.location });
    expect(JSON.stringify(logged[0])).not.toContain('138 0013 8000');
    // The answer to an action carries it too: the console shows what the transition returned.
    const acked = await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/acknowledge`).set(await as('op-a')).send({}).expect(200);
    expect(acked.body.site).toEqual(SITE);
    // A call to the site's first person goes into the audit trail (who called whom, when); the state stays.
    const called = await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('op-a')).send({ called: SITE.contacts[0] }).expect(200);
    expect(called.body.state).toBe('acknowledged');
    expect(called.body.updatedAt).toBeGreaterThan(acked.body.updatedAt); // other screens reload it
    expect(called.body.cameraName).toBe('North pond');
    expect(called.body.transitions.at(-1)).toMatchObject({
      action: 'note',
      from: 'acknowledged',
      to: 'acknowledged',
      actor: { name: 'op-a' },
      note: 'called 王建国 (网格员) at 138 0013 8000',
      detail: { kind: 'called', contact: { name: '王建国', role: '网格员', phone: '138 0013 8000' } },
    });
    const noted = await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('school-a')).send({ note: '学校已拨打 120' }).expect(200);
    expect(noted.body.transitions.at(-1)).toMatchObject({ action: 'note', note: '学校已拨打 120', detail: null, actor: { name: 'school-a' } });
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('op-a')).send({}).expect(400);
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('op-a')).send({ note: 'x', called: SITE.contacts[0] }).expect(400); // one entry says one thing
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('op-a')).send({ called: { name: '王', phone: 'call the office' } }).expect(400);
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('viewer-a')).send({ note: 'x' }).expect(403);
    await t.http.post(`/alerts/${encodeURIComponent(event.alertId)}/notes`).set(await as('op-b')).send({ note: 'x' }).expect(404);
    // Corrected after the alert: the alert shows the correction (people are sent to where the water is).
    const corrected = { ...SITE, address: '青山村东鱼塘南岸' };
    await t.http.patch('/cameras/cam-a').set(await as('op-a')).send({ site: corrected }).expect(200);
    expect((await t.http.get(`/alerts/${encodeURIComponent(event.alertId)}`).set(await as('op-a')).expect(200)).body.site.address).toBe('青山村东鱼塘南岸');
    // A camera without a site: null, not an empty card.
    const other = alertEvent({ cameraId: 'cam-a3', zoneId: undefined, rule: 'camera_covered', ruleId: 'camera.covered', severity: 'warning', boxes: [], message: 'camera covered' });
    await t.app.get(AlertIntakeService).consume(other);
    expect((await t.http.get(`/alerts/${encodeURIComponent(other.alertId)}`).set(await as('op-a')).expect(200)).body.site).toBeNull();
  });

  it("lists the cameras near a camera's site, nearest first, within the caller's scope only", async () => {
    // cam-a's site is at SITE.location; 0.00311° of longitude there is ~300 m east, 0.0207° ~2 km.
    const at = (dLon: number) => ({ site: { address: 'x', location: { lat: SITE.location.lat, lon: SITE.location.lon + dLon } } });
    const admin = await as('admin');
    await t.http.patch('/cameras/cam-a3').set(admin).send(at(0.00311)).expect(200); // same village
    await t.http.patch('/cameras/cam-a2').set(admin).send(at(0.0207)).expect(200); // the township's
    await t.http.patch('/cameras/cam-b').set(admin).send(at(-0.00207)).expect(200); // 200 m, another county
    const near = async (who: string, query: Record<string, number> = {}) => (await t.http.get('/cameras/cam-a/nearby').query(query).set(await as(who)).expect(200)).body;

    const opA = await near('op-a');
    expect(opA.located).toBe(true);
    expect(opA.items.map((c: { id: string; distanceM: number }) => [c.id, Math.round(c.distanceM / 10) * 10])).toEqual([['cam-a3', 300]]);
    expect((await near('op-a', { radius: 5000 })).items.map((c: { id: string }) => c.id)).toEqual(['cam-a3', 'cam-a2']);
    expect((await near('admin')).items.map((c: { id: string }) => c.id)).toEqual(['cam-b', 'cam-a3']); // op-a never learns of cam-b
    expect((await near('admin', { radius: 5000, limit: 1 })).items.map((c: { id: string }) => c.id)).toEqual(['cam-b']);
    expect((await near('school-a')).items).toEqual([]); // its only camera is cam-a
    await t.http.get('/cameras/cam-a/nearby').set(await as('op-b')).expect(404);
    await t.http.get('/cameras/cam-a/nearby').query({ radius: 1 }).set(admin).expect(400);
    // A camera without coordinates has no neighbours, and says why.
    await t.http.patch('/cameras/cam-a2').set(admin).send({ site: null }).expect(200);
    expect((await t.http.get('/cameras/cam-a2/nearby').set(admin).expect(200)).body).toEqual({ located: false, items: [] });
  });

  it("is saved on the version the editor loaded (If-Match): a site changed meanwhile is refused with camera_changed, not overwritten", async () => {
    const op = await as('op-a');
    const loaded = (await t.http.get('/cameras/cam-a3').set(op).expect(200)).body;
    // An admin adds the village head's number while the operator's site editor stands open.
    const head = { name: '李村长', phone: '139 0000 0000' };
    const byAdmin = await t.http.patch('/cameras/cam-a3').set(await as('admin')).set('If-Match', `"${loaded.updatedAt}"`).send({ site: { address: 'East Pond', contacts: [head] } }).expect(200);
    const stale = await t.http.patch('/cameras/cam-a3').set(op).set('If-Match', `"${loaded.updatedAt}"`).send({ site: { address: 'East Pond, south bank', contacts: [] } });
    expect([stale.status, stale.body.reason]).toEqual([409, 'camera_changed']);
    expect((await t.http.get('/cameras/cam-a3').set(op).expect(200)).body.site).toMatchObject({ contacts: [head] });
    // Reloaded, on the version the admin's save returned: saved.
    const saved = await t.http.patch('/cameras/cam-a3').set(op).set('If-Match', `"${byAdmin.body.updatedAt}"`).send({ site: { address: 'East Pond, south bank', contacts: [head] } }).expect(200);
    expect(saved.body.site).toMatchObject({ address: 'East Pond, south bank', contacts: [head] });
    expect(saved.body.updatedAt).toBeGreaterThan(byAdmin.body.updatedAt);
  });

  it('is removed with null', async () => {
    const res = await t.http.patch('/cameras/cam-a').set(await as('op-a')).send({ site: null }).expect(200);
    expect(res.body.site).toBeNull();
    expect((await t.http.get('/cameras/cam-a').set(await as('op-a')).expect(200)).body.site).toBeNull();
  });
});
