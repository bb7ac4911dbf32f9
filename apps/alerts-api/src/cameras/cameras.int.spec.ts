import '../testing/nest-esm';
import type { Redis } from 'ioredis';
import { capturedLogger } from '../testing/captured-logger';
import { cameraSchema, storedCameraSchema } from '@xl/config';
import { StreamDelayMarks } from '@xl/queue';
import { ANALYSED_AT_HASH, CAMERA_CONFIG_CHANNEL, CAMERA_CONFIG_HASH, type ConfigChangedMessage } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { Clock } from '../common/clock';
import { ConfigPublisher } from '../config-publish/config-publisher';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { CAMERA_PASSWORD, createWorld } from '../testing/world';
import { CamerasRepository } from './cameras.repository';

const pond = { id: 'pond', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] };

describe.each(DATABASE_KINDS)('cameras and configuration publishing on %s', (kind) => {
  let t: TestApp;
  let admin: Record<string, string>;
  let subscriber: Redis;
  const messages: ConfigChangedMessage[] = [];
  const logLines: string[] = [];
  const responses: string[] = [];
  let hashKey: string;

  const call = async <R extends { text: string }>(req: PromiseLike<R>): Promise<R> => {
    const res = await req;
    responses.push(res.text ?? '');
    return res;
  };
  const published = async (id: string) => {
    const raw = await t.redis.hget(hashKey, id);
    return raw ? cameraSchema.parse(JSON.parse(raw)) : null;
  };

  beforeAll(async () => {
    t = await startTestApp(kind, {}, { logger: capturedLogger(logLines, 'debug') });
    hashKey = `${t.settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`;
    subscriber = t.redis.duplicate();
    await subscriber.subscribe(`${t.settings.redisKeyPrefix}${CAMERA_CONFIG_CHANNEL}`);
    subscriber.on('message', (_channel, message) => messages.push(JSON.parse(message)));
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });

  afterAll(async () => {
    subscriber?.disconnect();
    await t?.close();
  });

  it('returns cameras with redacted URLs and hasCredentials, and publishes the real configuration to the workers', async () => {
    const res = await call(t.http.get('/cameras/cam-a').set(admin));
    expect(res.body).toMatchObject({
      id: 'cam-a',
      url: 'rtsp://admin:***@10.0.0.1:554/main',
      subUrl: 'rtsp://admin:***@10.0.0.1:554/sub',
      hasCredentials: true,
      regionId: 'vil-a1a',
      rules: null,
    });
    expect(res.body.effectiveRules.map((r: { id: string }) => r.id)).toContain('pond.vanish');
    expect((await call(t.http.get('/cameras/cam-a2').set(admin))).body.hasCredentials).toBe(false);

    const config = await published('cam-a');
    expect(config?.url).toBe(`rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/main`);
    expect(config?.zones.map((z) => z.id)).toEqual(['pond']);
    expect(await t.redis.hlen(hashKey)).toBe(4);
  });

  it('republishes one camera on every camera, zone and rule change and announces it', async () => {
    const revisionBefore = Number(await t.redis.get(`${hashKey}:revision`));
    messages.length = 0;
    const zones = { zones: [pond, { id: 'bank', type: 'generic', polygon: [[0, 0.3], [1, 0.3], [1, 0.5], [0, 0.5]] }] };
    expect((await call(t.http.put('/cameras/cam-a/zones').set(admin).send(zones))).status).toBe(200);
    await eventually(async () => messages.length >= 1, 'config message');
    expect(messages[0].cameraIds).toEqual(['cam-a']);
    expect(messages[0].revision).toBeGreaterThan(revisionBefore);
    expect((await published('cam-a'))?.zones.map((z) => z.id)).toEqual(['pond', 'bank']);

    const rules = { rules: [{ id: 'bank.dwell', type: 'dwell', zone: 'bank', seconds: 20 }] };
    const withRules = await call(t.http.put('/cameras/cam-a/rules').set(admin).send(rules));
    expect(withRules.status).toBe(200);
    // 'pond', which no explicit rule names, keeps its defaults, and so do the health checks
    expect(withRules.body.effectiveRules.map((r: { id: string }) => r.id)).toEqual(['bank.dwell', 'pond.enter', 'pond.dwell', 'pond.vanish', 'health.covered', 'health.blurred', 'health.frozen', 'health.moved']);
    expect((await published('cam-a'))?.rules?.[0]).toMatchObject({ id: 'bank.dwell', seconds: 20, classes: ['person'] });

    // Sending the redacted URL back keeps the stored password; the workers still get the real one.
    const patched = await call(t.http.patch('/cameras/cam-a').set(admin).send({ url: 'rtsp://admin:***@10.0.0.1:554/main', fps: 4, name: 'North pond east' }));
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ fps: 4, name: 'North pond east', url: 'rtsp://admin:***@10.0.0.1:554/main' });
    expect((await published('cam-a'))?.url).toBe(`rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/main`);
    expect((await published('cam-a'))?.fps).toBe(4);
    // Not to another host: the stored password would go to whoever answers there.
    const elsewhere = await call(t.http.patch('/cameras/cam-a').set(admin).send({ url: 'rtsp://admin:***@203.0.113.7:554/main' }));
    expect([elsewhere.status, elsewhere.body.issues?.[0]?.field]).toEqual([400, 'url']);
    expect((await published('cam-a'))?.url).toBe(`rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/main`);

    const back = await call(t.http.put('/cameras/cam-a/rules').set(admin).send({ rules: null }));
    expect(back.body.rules).toBeNull();
    expect((await published('cam-a'))?.rules).toBeUndefined();
    await eventually(async () => messages.length >= 4, 'four config messages');
    expect(messages.every((m) => m.cameraIds.length === 1 && m.cameraIds[0] === 'cam-a')).toBe(true);
    const revisions = messages.map((m) => m.revision);
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
  });

  // 2026-12-03 (input-security review): Xiongmai/XMEye cameras take their credentials in the path;
  // GET /cameras showed them in clear to schools and viewers, with hasCredentials: false.
  it('never shows a path password to a school or a viewer, and keeps it when an admin sends the URL back as shown', async () => {
    const url = 'rtsp://192.168.1.10:554/user=admin&password=Pond2024&channel=1&stream=0.sdp?real_stream';
    const hashUrl = 'rtsp://192.168.1.10:554/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp?real_stream';
    try {
      expect((await call(t.http.patch('/cameras/cam-a').set(admin).send({ url, subUrl: hashUrl }))).status).toBe(200);
      for (const who of ['school-a', 'viewer-a']) {
        const res = await call(t.http.get('/cameras/cam-a').set({ Authorization: `Bearer ${await t.token(who)}` }));
        expect(res.status).toBe(200);
        expect(res.text).not.toMatch(/Pond2024|tlJwpbo6/);
        expect(res.body).toMatchObject({
          url: 'rtsp://192.168.1.10:554/user=***&password=***&channel=1&stream=0.sdp?real_stream',
          subUrl: 'rtsp://192.168.1.10:554/user=***_password=***_channel=1_stream=0.sdp?real_stream',
          hasCredentials: true,
        });
      }
      // An admin renames the camera in the console, which sends the URLs back as shown.
      const shown = (await call(t.http.get('/cameras/cam-a').set(admin))).body as { url: string; subUrl: string };
      expect((await call(t.http.patch('/cameras/cam-a').set(admin).send({ url: shown.url, subUrl: shown.subUrl, name: 'Pond by the road' }))).status).toBe(200);
      expect(await published('cam-a')).toMatchObject({ url, subUrl: hashUrl, name: 'Pond by the road' });
      // Not to another host.
      const elsewhere = await call(t.http.patch('/cameras/cam-a').set(admin).send({ url: shown.url.replace('192.168.1.10', '203.0.113.7') }));
      expect([elsewhere.status, elsewhere.body.issues?.[0]?.field]).toEqual([400, 'url']);
      expect((await published('cam-a'))?.url).toBe(url);
    } finally {
      await call(t.http.patch('/cameras/cam-a').set(admin).send({ url: `rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/main`, subUrl: `rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/sub`, name: 'North pond east' }));
    }
  });

  it('removes a deleted camera from the published configuration', async () => {
    await call(t.http.post('/cameras').set(admin).send({ id: 'cam-tmp', url: `rtsp://u:${CAMERA_PASSWORD}@10.0.0.9/x`, regionId: 'vil-a1a' })).then((r) => expect(r.status).toBe(201));
    expect(await published('cam-tmp')).not.toBeNull();
    messages.length = 0;
    expect((await call(t.http.delete('/cameras/cam-tmp').set(admin))).status).toBe(204);
    expect(await t.redis.hexists(hashKey, 'cam-tmp')).toBe(0);
    await eventually(async () => messages.find((m) => m.cameraIds[0] === 'cam-tmp'), 'removal message');
    expect((await call(t.http.get('/cameras/cam-tmp').set(admin))).status).toBe(404);
  });

  it("ends grants by id with the camera: the same id created again elsewhere is not seen by the camera's old holders", async () => {
    const make = (regionId: string) => call(t.http.post('/cameras').set(admin).send({ id: 'cam-reused', url: 'rtsp://10.0.0.77/x', regionId }));
    expect((await make('vil-a1a')).status).toBe(201);
    const user = await call(t.http.post('/users').set(admin).send({ username: 'guard-reused', password: 'long-enough-pw', role: 'viewer', cameraIds: ['cam-reused'] }));
    const key = await call(t.http.post('/api-keys').set(admin).send({ name: 'board reused', role: 'viewer', cameraIds: ['cam-reused', 'cam-a'] }));
    const hook = await call(t.http.post('/webhooks').set(admin).send({ name: 'reused gateway', url: 'http://127.0.0.1:2/hook', cameraIds: ['cam-reused'] }));
    expect([user.status, key.status, hook.status]).toEqual([201, 201, 201]);
    // A webhook naming it holds it: without the camera it would be left with no filter at all.
    const held = await call(t.http.delete('/cameras/cam-reused').set(admin));
    expect([held.status, held.body.message]).toEqual([409, "camera 'cam-reused' is watched by a webhook and cannot be deleted; take it (and its zones) out of the cameras and waters of webhook 'reused gateway' first"]);
    // Disabling it for repair leaves the webhook's filter as it is: not held.
    expect((await call(t.http.patch('/cameras/cam-reused').set(admin).send({ enabled: false }))).status).toBe(200);
    await call(t.http.delete(`/webhooks/${hook.body.id}`).set(admin)).then((r) => expect(r.status).toBe(204));
    expect((await call(t.http.delete('/cameras/cam-reused').set(admin))).status).toBe(204);
    expect((await make('vil-b1a')).status).toBe(201);
    const users = (await call(t.http.get('/users').set(admin))).body.items as { id: string; cameraIds: string[] }[];
    expect(users.find((u) => u.id === user.body.id)?.cameraIds).toEqual([]);
    const keys = (await call(t.http.get('/api-keys').set(admin))).body.items as { id: string; cameraIds: string[] }[];
    expect(keys.find((k) => k.id === key.body.id)?.cameraIds).toEqual(['cam-a']);
    expect((await call(t.http.get('/cameras/cam-reused').set({ Authorization: `Bearer ${key.body.key}` }))).status).toBe(404);
    await call(t.http.delete('/cameras/cam-reused').set(admin));
  });

  it("refuses an operator a new camera under the id of a deleted one whose alerts are kept (they would go to whoever is given it); an admin may restore it", async () => {
    const pondZone = { id: 'pond', type: 'water', polygon: pond.polygon };
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-gone', url: 'rtsp://10.0.0.78/x', regionId: 'vil-b1a', zones: [pondZone] }))).status).toBe(201);
    await t.app.get(AlertIntakeService).consume(alertEvent({ cameraId: 'cam-gone', zoneId: 'pond', startedAt: Date.now() - 5_000 }));
    expect((await call(t.http.delete('/cameras/cam-gone').set(admin))).status).toBe(204);
    const operator = { Authorization: `Bearer ${await t.token('op-a')}` };
    const again = await call(t.http.post('/cameras').set(operator).send({ id: 'cam-gone', url: 'rtsp://10.0.0.79/x', regionId: 'vil-a1a' }));
    expect([again.status, again.body.message]).toEqual([409, "camera id 'cam-gone' belonged to a deleted camera whose alerts are kept; a new camera under it would show them to whoever is given it: choose another id (an admin may restore it)"]);
    expect((await call(t.http.post('/cameras').set(operator).send({ id: 'cam-gone-2', url: 'rtsp://10.0.0.79/x', regionId: 'vil-a1a' }))).status).toBe(201);
    await call(t.http.delete('/cameras/cam-gone-2').set(admin));
    // The admin restores the camera deleted by mistake: its alerts are its own again.
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-gone', url: 'rtsp://10.0.0.78/x', regionId: 'vil-b1a', zones: [pondZone] }))).status).toBe(201);
    await call(t.http.delete('/cameras/cam-gone').set(admin));
  });

  it('lets operators change cameras inside their region subtrees only: a camera granted by id is watched, not changed', async () => {
    // Township A1's operator, given county B's pond camera to watch.
    const created = await call(t.http.post('/users').set(admin).send({ username: 'op-a-watching-b', password: 'long-enough-pw', role: 'operator', regionIds: ['town-a1'], cameraIds: ['cam-b'] }));
    expect(created.status).toBe(201);
    const watcher = { Authorization: `Bearer ${await t.token('op-a-watching-b', 'long-enough-pw')}` };
    const config = async () => {
      const { regionId, enabled, zones, rules, maintenance, updatedAt } = (await call(t.http.get('/cameras/cam-b').set(admin))).body;
      return { regionId, enabled, zones, rules, maintenance, updatedAt };
    };
    const before = await config();
    expect(before).toMatchObject({ regionId: 'vil-b1a', enabled: true, maintenance: null });
    for (const read of ['/cameras/cam-b', '/cameras/cam-b/zones', '/cameras/cam-b/rules']) expect((await call(t.http.get(read).set(watcher))).status).toBe(200);

    const refused = await call(t.http.patch('/cameras/cam-b').set(watcher).send({ regionId: 'vil-a1a' }));
    expect([refused.status, refused.body.message]).toEqual([403, "camera 'cam-b' is not in your regions: a camera granted by id may be watched, not changed"]);
    const writes = [
      t.http.patch('/cameras/cam-b').set(watcher).send({ enabled: false }),
      t.http.put('/cameras/cam-b/rules').set(watcher).send({ rules: [] }),
      t.http.put('/cameras/cam-b/zones').set(watcher).send({ zones: [] }),
      t.http.put('/cameras/cam-b/maintenance').set(watcher).send({ minutes: 14 * 24 * 60 }),
      t.http.delete('/cameras/cam-b/maintenance').set(watcher),
      t.http.delete('/cameras/cam-b').set(watcher),
    ];
    for (const write of writes) expect((await call(write)).status).toBe(403);
    // Nothing changed: county B's operators still have their camera, its rules and its health alerts.
    expect(await config()).toEqual(before);
    expect((await call(t.http.get('/cameras/cam-b').set({ Authorization: `Bearer ${await t.token('op-b')}` }))).status).toBe(200);

    // A move needs both regions in the caller's subtrees.
    const cityOp = { Authorization: `Bearer ${await t.token('op-city')}` };
    const townOp = { Authorization: `Bearer ${await t.token('op-a')}` };
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-moving', url: 'rtsp://10.0.0.78/x', regionId: 'vil-b1a' }))).status).toBe(201);
    expect((await call(t.http.patch('/cameras/cam-moving').set(townOp).send({ regionId: 'vil-a1a' }))).status).toBe(404); // from outside: not even seen
    expect((await call(t.http.patch('/cameras/cam-moving').set(cityOp).send({ regionId: 'vil-a1a' }))).status).toBe(200);
    const away = await call(t.http.patch('/cameras/cam-moving').set(townOp).send({ regionId: 'vil-b1a' }));
    expect([away.status, away.body.issues?.[0]?.field]).toEqual([400, 'regionId']); // into another county
    expect((await call(t.http.patch('/cameras/cam-moving').set(townOp).send({ regionId: 'town-a1' }))).status).toBe(200);
    expect((await call(t.http.delete('/cameras/cam-moving').set(townOp))).status).toBe(204);

    // A camera without a region: admins only, whoever was granted it.
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-loose', url: 'rtsp://10.0.0.79/x' }))).status).toBe(201);
    expect((await call(t.http.patch(`/users/${created.body.id}`).set(admin).send({ cameraIds: ['cam-b', 'cam-loose'] }))).status).toBe(200);
    expect((await call(t.http.get('/cameras/cam-loose').set(watcher))).status).toBe(200);
    expect((await call(t.http.patch('/cameras/cam-loose').set(watcher).send({ regionId: 'town-a1' }))).status).toBe(403);
    expect((await call(t.http.delete('/cameras/cam-loose').set(admin))).status).toBe(204);
  });

  it('refuses a save built on a copy another save changed meanwhile (409): a new water zone is not lost to an older tab', async () => {
    const south = { id: 'south', type: 'water', polygon: [[0, 0.1], [1, 0.1], [1, 0.4], [0, 0.4]] };
    const enter = (zone: string) => ({ id: `${zone}.enter`, type: 'zone_enter', zone });
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-versions', url: 'rtsp://10.0.0.80/x', regionId: 'vil-a1a', zones: [pond] }))).status).toBe(201);
    const stored = async () => (await call(t.http.get('/cameras/cam-versions').set(admin))).body as { name: string | null; zones: { id: string; name?: string }[]; rules: { id: string }[] | null; updatedAt: number };
    const changedMeanwhile = /^camera 'cam-versions' changed meanwhile \(saved again at \d{4}-\d\d-\d\dT[\d:.]+Z, after the copy this save was built on\); reload and try again$/;
    try {
      // Two tabs (two operators) open the zone editor.
      const tabA = await stored();
      const tabB = await stored();
      // A draws the south pond and saves, with the version it loaded.
      const savedA = await call(t.http.put('/cameras/cam-versions/zones').set(admin).send({ zones: [pond, south], updatedAt: tabA.updatedAt }));
      expect(savedA.status).toBe(200);
      expect(savedA.body.updatedAt).toBeGreaterThan(tabA.updatedAt);
      // B renames the pond in its older copy: refused, and the south pond stays.
      const savedB = await call(t.http.put('/cameras/cam-versions/zones').set(admin).send({ zones: [{ ...pond, name: '北塘' }], updatedAt: tabB.updatedAt }));
      expect(savedB.status).toBe(409);
      expect(savedB.body.message).toMatch(changedMeanwhile);
      expect(savedB.body.reason).toBe('camera_changed'); // the console offers a reload for this 409 alone
      // The same as an If-Match header, quoted (an ETag) or bare.
      for (const ifMatch of [`"${tabB.updatedAt}"`, String(tabB.updatedAt)]) {
        expect((await call(t.http.put('/cameras/cam-versions/zones').set(admin).set('If-Match', ifMatch).send({ zones: [{ ...pond, name: '北塘' }] }))).status).toBe(409);
      }
      expect((await stored()).zones.map((z) => [z.id, z.name])).toEqual([['pond', undefined], ['south', undefined]]);
      expect((await published('cam-versions'))?.zones.map((z) => z.id)).toEqual(['pond', 'south']);
      const badVersion = await call(t.http.put('/cameras/cam-versions/zones').set(admin).set('If-Match', 'W/"abc"').send({ zones: [pond] }));
      expect([badVersion.status, badVersion.body.issues?.[0]?.field]).toEqual([400, 'If-Match']);

      // The rules: saved with the version the zones save returned; an older copy's rules are refused.
      const rulesA = await call(t.http.put('/cameras/cam-versions/rules').set(admin).send({ rules: [enter('pond'), enter('south')], updatedAt: savedA.body.updatedAt }));
      expect(rulesA.status).toBe(200);
      const rulesB = await call(t.http.put('/cameras/cam-versions/rules').set(admin).send({ rules: [enter('pond')], updatedAt: savedA.body.updatedAt }));
      expect([rulesB.status, rulesB.body.message]).toEqual([409, expect.stringMatching(changedMeanwhile)]);
      expect((await call(t.http.put('/cameras/cam-versions/rules').set(admin).set('If-Match', `"${savedA.body.updatedAt}"`).send({ rules: null }))).status).toBe(409);
      expect((await stored()).rules?.map((r) => r.id)).toEqual(['pond.enter', 'south.enter']);

      // PATCH: If-Match only (its body is the camera's fields: an updatedAt there is refused, as before).
      const stale = await call(t.http.patch('/cameras/cam-versions').set(admin).set('If-Match', `"${tabB.updatedAt}"`).send({ name: 'Renamed in an old tab' }));
      expect([stale.status, stale.body.message]).toEqual([409, expect.stringMatching(changedMeanwhile)]);
      const inBody = await call(t.http.patch('/cameras/cam-versions').set(admin).send({ name: 'Renamed', updatedAt: rulesA.body.updatedAt }));
      expect([inBody.status, inBody.body.issues?.[0]?.field]).toEqual([400, 'updatedAt']);
      expect((await stored()).name).toBeNull();
      const renamed = await call(t.http.patch('/cameras/cam-versions').set(admin).set('If-Match', String(rulesA.body.updatedAt)).send({ name: 'South meadow' }));
      expect([renamed.status, renamed.body.name]).toEqual([200, 'South meadow']);

      // Without a version (older clients, scripts): as before, the save applies to the camera as stored.
      expect((await call(t.http.put('/cameras/cam-versions/zones').set(admin).send({ zones: [pond, south] }))).status).toBe(200);
      expect((await call(t.http.put('/cameras/cam-versions/rules').set(admin).send({ rules: [enter('pond'), enter('south')] }))).status).toBe(200);
      expect((await call(t.http.patch('/cameras/cam-versions').set(admin).send({ name: 'South meadow pond' }))).status).toBe(200);
      expect(await stored()).toMatchObject({ name: 'South meadow pond', zones: [{ id: 'pond' }, { id: 'south' }] });
    } finally {
      await call(t.http.delete('/cameras/cam-versions').set(admin));
    }
  });

  it('publishes everything and drops cameras that no longer exist when asked for a full publish (as at start)', async () => {
    await t.redis.hset(hashKey, 'ghost', JSON.stringify({ id: 'ghost', url: 'rtsp://x/y' }));
    messages.length = 0;
    await t.app.get(ConfigPublisher).publishAll();
    expect(await t.redis.hexists(hashKey, 'ghost')).toBe(0);
    expect((await t.redis.hkeys(hashKey)).sort()).toEqual(['cam-a', 'cam-a2', 'cam-a3', 'cam-b']);
    await eventually(async () => messages.find((m) => m.cameraIds.length === 0), 'reload-all message');
  });

  it('publishes everything again when Redis lost it (restart without persistence, flush), and not otherwise', async () => {
    const publisher = t.app.get(ConfigPublisher);
    expect(await publisher.republishIfLost()).toBe(false);
    await t.redis.del(hashKey, publisher.revisionKey);
    messages.length = 0;
    expect(await publisher.republishIfLost()).toBe(true);
    expect((await t.redis.hkeys(hashKey)).sort()).toEqual(['cam-a', 'cam-a2', 'cam-a3', 'cam-b']);
    await eventually(async () => messages.find((m) => m.cameraIds.length === 0), 'reload-all message');
  });

  it('keeps listing and serving a camera stored under older checks, and asks for the fix when it is next saved', async () => {
    // fps 0.5 with a 3 s vanish countdown passed before the countdown was checked against fps.
    const old = storedCameraSchema.parse({ id: 'cam-old', url: 'rtsp://10.0.0.5/x', regionId: 'vil-a1a', fps: 0.5, zones: [pond], rules: [{ id: 'pond.v', type: 'vanish_in_water', zone: pond.id, lostSeconds: 3 }] });
    await t.app.get(CamerasRepository).insert(old, Date.now());
    try {
      expect((await call(t.http.get('/cameras').set(admin))).status).toBe(200);
      expect((await call(t.http.get('/cameras/cam-old').set(admin))).body).toMatchObject({ id: 'cam-old', fps: 0.5 });
      const rename = await call(t.http.patch('/cameras/cam-old').set(admin).send({ name: 'Old pond' }));
      expect(rename.status).toBe(400);
      expect(rename.body.message).toContain("rule 'pond.v': lostSeconds 3 s is less than two frame intervals at fps 0.5");
      expect((await call(t.http.patch('/cameras/cam-old').set(admin).send({ name: 'Old pond', fps: 1 }))).status).toBe(200);
    } finally {
      await call(t.http.delete('/cameras/cam-old').set(admin));
    }
  });

  it('rejects invalid cameras with 400 naming the field and the rule', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'x1', url: `http://admin:${CAMERA_PASSWORD}@10.0.0.1/` }, 'body.url: must use rtsp:// or rtsps://'],
      [{ id: 'x2', url: 'rtsp://h/x', fps: 1000 }, 'body.fps'],
      [{ id: 'x3', url: 'rtsp://h/x', zones: [{ ...pond, polygon: [[0, 0], [1, 1], [1, 0], [0, 1]] }] }, 'body.zones[0].polygon'],
      [{ id: 'x4', url: 'rtsp://h/x', zones: [pond], rules: [{ id: 'r', type: 'dwell', zone: 'nope' }] }, 'body.rules[0].zone'],
      [{ id: 'x5', url: 'rtsp://h/x', colour: 'blue' }, 'body.colour'],
      [{ id: 'bad id!', url: 'rtsp://h/x' }, 'body.id'],
      [{ id: 'x6', url: 'rtsp://h/x', regionId: 'atlantis' }, "body.regionId: region 'atlantis' does not exist"],
      // A class the model has no label for would switch the rule off without a word; so would a model nobody has.
      [{ id: 'x7', url: 'rtsp://h/x', zones: [pond], rules: [{ id: 'v', type: 'vanish_in_water', zone: 'pond', classes: ['Person'] }] }, "body.rules[0] (id 'v').classes[0]: camera 'x7', rules[0] (id 'v').classes[0]: 'Person' is not a label of model yolox_nano"],
      [{ id: 'x8', url: 'rtsp://h/x', zones: [{ ...pond, type: 'no_fishing' }], model: 'yolox_s' }, "body.model: camera 'x8': model 'yolox_s' has no manifest in MODELS_DIR"],
    ];
    for (const [body, expected] of cases) {
      const res = await call(t.http.post('/cameras').set(admin).send(body));
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.message).toContain(expected);
    }
    const zonePatch = await call(t.http.put('/cameras/cam-b/zones').set(admin).send({ zones: [{ id: 'z', type: 'lake', polygon: [[0, 0], [1, 0], [1, 1]] }] }));
    expect(zonePatch.status).toBe(400);
    expect(zonePatch.body.issues[0]).toMatchObject({ field: 'zones[0].type', rule: 'invalid_value', in: 'body' });
    // Removing a zone that a rule still names is refused too.
    await call(t.http.put('/cameras/cam-b/rules').set(admin).send({ rules: [{ id: 'r', type: 'dwell', zone: 'pond' }] }));
    const orphan = await call(t.http.put('/cameras/cam-b/zones').set(admin).send({ zones: [] }));
    expect(orphan.status).toBe(400);
    expect(orphan.body.message).toContain("rules[0].zone: rule 'r' names zone 'pond'");
    const typo = await call(t.http.put('/cameras/cam-b/rules').set(admin).send({ rules: [{ id: 'boats', type: 'zone_enter', zone: 'pond', classes: ['ship'] }] }));
    expect(typo.status).toBe(400);
    expect(typo.body.issues[0]).toMatchObject({ field: "rules[0] (id 'boats').classes[0]", rule: 'label' });
    expect((await call(t.http.patch('/cameras/cam-b').set(admin).send({ id: 'other' }))).status).toBe(400);
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-a', url: 'rtsp://h/x' }))).status).toBe(409);
  });

  it('validates users and regions with 400 naming the field, and never returns password hashes', async () => {
    const bad: [string, Record<string, unknown>, string][] = [
      ['/users', { username: 'sch', password: 'long-enough-pw', role: 'school', regionIds: ['county-a'], cameraIds: ['cam-a'] }, 'body.regionIds'],
      ['/users', { username: 'sch', password: 'long-enough-pw', role: 'school', cameraIds: ['nope'] }, "body.cameraIds[0]: camera 'nope' does not exist"],
      ['/users', { username: 'x', password: 'short', role: 'viewer' }, 'body.password'],
      ['/users', { username: 'x', password: 'long-enough-pw', role: 'superuser' }, 'body.role'],
      ['/regions', { id: 'r1', name: 'R', level: 'county', parentId: 'vil-a1a' }, 'body.level'],
      ['/regions', { id: 'r1', name: 'R', level: 'hamlet' }, 'body.level'],
      ['/regions', { id: 'r1', name: 'R', level: 'village', parentId: 'missing' }, 'body.parentId'],
    ];
    for (const [url, body, field] of bad) {
      const res = await call(t.http.post(url).set(admin).send(body));
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(res.body.message).toContain(field);
    }
    expect((await call(t.http.patch('/regions/county-a').set(admin).send({ parentId: 'vil-a1a' }))).status).toBe(400);
    expect((await call(t.http.delete('/regions/vil-a1a').set(admin))).status).toBe(409);
    const users = await call(t.http.get('/users').set(admin));
    expect(users.text).not.toMatch(/password|scrypt/i);
  });

  it('keeps a region that grants or alerts name: deleted, a grant would come back with its id, and its alerts would reach no operator', async () => {
    const region = (id: string) => call(t.http.post('/regions').set(admin).send({ id, name: id, level: 'village', parentId: 'town-a1' }));
    expect((await region('vil-held')).status).toBe(201);
    const user = await call(t.http.post('/users').set(admin).send({ username: 'op-held', password: 'long-enough-pw', role: 'operator', regionIds: ['vil-held'] }));
    expect(user.status).toBe(201);
    const held = await call(t.http.delete('/regions/vil-held').set(admin));
    expect([held.status, held.body.message]).toEqual([409, "region 'vil-held' is in the regions of user 'op-held'; take it out of them first"]);
    expect((await call(t.http.patch(`/users/${user.body.id}`).set(admin).send({ regionIds: ['town-a1'] }))).status).toBe(200);
    // A camera there raised an alert, then moved away: the alert stays in the region.
    expect((await call(t.http.post('/cameras').set(admin).send({ id: 'cam-held', url: 'rtsp://10.0.0.80/x', regionId: 'vil-held', zones: [{ id: 'pond', type: 'water', polygon: pond.polygon }] }))).status).toBe(201);
    await t.app.get(AlertIntakeService).consume(alertEvent({ cameraId: 'cam-held', zoneId: 'pond', startedAt: Date.now() - 5_000 }));
    expect((await call(t.http.patch('/cameras/cam-held').set(admin).send({ regionId: 'vil-a1a' }))).status).toBe(200);
    const withAlerts = await call(t.http.delete('/regions/vil-held').set(admin));
    expect([withAlerts.status, withAlerts.body.message]).toEqual([409, "region 'vil-held' has alerts, found through the region tree: it stays while they are kept (rename it, or move it, instead)"]);
    expect((await region('vil-empty')).status).toBe(201);
    expect((await call(t.http.delete('/regions/vil-empty').set(admin))).status).toBe(204);
    expect((await call(t.http.delete('/cameras/cam-held').set(admin))).status).toBe(204);
  });

  it('searches, filters by status and pages the camera list, in the caller scope, with the total', async () => {
    // cam-a North pond, cam-a2 Township square, cam-a3 Village bridge (county A); cam-b River bend (county B)
    await call(t.http.post('/cameras').set(admin).send({ id: 'cam_pct', name: '100% Pond_2', url: 'rtsp://10.0.0.8/x', regionId: 'vil-a1a' })).then((r) => expect(r.status).toBe(201));
    const statuses = t.app.get(CameraStatusService);
    await statuses.handle({ cameraId: 'cam-a', status: 'online', at: Date.now(), ingestId: 'i1' });
    await statuses.handle({ cameraId: 'cam-a3', status: 'offline', reason: 'refused', at: Date.now(), ingestId: 'i1' });
    await statuses.handle({ cameraId: 'cam-b', status: 'offline', reason: 'stalled', at: Date.now(), ingestId: 'i1' });
    const ids = async (query: Record<string, string | number>, user = 'admin') => {
      const res = await call(t.http.get('/cameras').query(query).set({ Authorization: `Bearer ${await t.token(user)}` }));
      expect(res.status).toBe(200);
      return { ids: (res.body.items as Array<{ id: string }>).map((c) => c.id), total: res.body.total as number };
    };
    expect(await ids({})).toEqual({ ids: ['cam-a', 'cam-a2', 'cam-a3', 'cam-b', 'cam_pct'], total: 5 });
    expect(await ids({ q: 'POND' })).toEqual({ ids: ['cam-a', 'cam_pct'], total: 2 }); // name, any case
    expect(await ids({ q: 'a3' })).toEqual({ ids: ['cam-a3'], total: 1 }); // id
    expect(await ids({ q: '%' })).toEqual({ ids: ['cam_pct'], total: 1 }); // literal, not a wildcard
    expect(await ids({ q: 'm_p' })).toEqual({ ids: ['cam_pct'], total: 1 });
    expect(await ids({ status: 'offline' })).toEqual({ ids: ['cam-a3', 'cam-b'], total: 2 });
    expect(await ids({ status: 'online' })).toEqual({ ids: ['cam-a'], total: 1 });
    expect(await ids({ status: 'unknown' })).toEqual({ ids: ['cam-a2', 'cam_pct'], total: 2 });
    expect(await ids({ status: 'offline' }, 'op-a')).toEqual({ ids: ['cam-a3'], total: 1 }); // township A1 only
    expect(await ids({ region: 'county-b', q: 'river' })).toEqual({ ids: ['cam-b'], total: 1 });
    // pages: every camera once, in order, total on each page
    expect(await ids({ limit: 2 })).toEqual({ ids: ['cam-a', 'cam-a2'], total: 5 });
    expect(await ids({ limit: 2, offset: 2 })).toEqual({ ids: ['cam-a3', 'cam-b'], total: 5 });
    expect(await ids({ limit: 2, offset: 4 })).toEqual({ ids: ['cam_pct'], total: 5 });
    expect(await ids({ limit: 2, offset: 6 })).toEqual({ ids: [], total: 5 });
    expect(await ids({ limit: 1, status: 'offline', offset: 1 })).toEqual({ ids: ['cam-b'], total: 2 });
    for (const [query, field] of [[{ limit: '0' }, 'query.limit'], [{ limit: '501' }, 'query.limit'], [{ offset: '-1' }, 'query.offset'], [{ status: 'broken' }, 'query.status'], [{ q: '' }, 'query.q'], [{ q: 'x'.repeat(101) }, 'query.q']] as const) {
      const res = await call(t.http.get('/cameras').query(query).set(admin));
      expect({ status: res.status, field: String(res.body.message).startsWith(field) }).toEqual({ status: 400, field: true });
    }
    await call(t.http.delete('/cameras/cam_pct').set(admin));
  });

  it('reports online cameras whose frames are not being analysed, in the caller scope', async () => {
    const statuses = t.app.get(CameraStatusService);
    const marks = `${t.settings.redisKeyPrefix}${ANALYSED_AT_HASH}`;
    const now = Date.now();
    for (const id of ['cam-stale', 'cam-fine']) {
      await call(t.http.post('/cameras').set(admin).send({ id, url: 'rtsp://10.0.0.8/x', regionId: 'vil-a1a' })).then((r) => expect(r.status).toBe(201));
    }
    // Online for ten minutes each: cam-a2 last analysed 5 min ago, cam-stale never, cam-fine 2 s ago.
    for (const id of ['cam-a2', 'cam-stale', 'cam-fine']) await statuses.handle({ cameraId: id, status: 'online', at: now - 600_000, ingestId: 'i1' });
    await t.redis.hset(marks, 'cam-a2', String(now - 300_000), 'cam-fine', String(now - 2000));
    // The world's other cameras online and analysed (without a status, a minute after they were made they would count too).
    for (const id of ['cam-a', 'cam-a3', 'cam-b']) await statuses.handle({ cameraId: id, status: 'online', at: now - 600_000, ingestId: 'i1' });
    await t.redis.hset(marks, 'cam-a', String(now), 'cam-a3', String(now), 'cam-b', String(now));
    const unanalysed = async (user: string) => {
      const res = await call(t.http.get('/cameras/unanalysed').set({ Authorization: `Bearer ${await t.token(user)}` }));
      expect(res.status).toBe(200);
      expect(res.body.staleAfterSeconds).toBe(60);
      return (res.body.items as Array<{ id: string; analysis: { analysedAt: number | null; unanalysedSince: number } }>).map((c) => [c.id, c.analysis.analysedAt, c.analysis.unanalysedSince]);
    };
    expect(await unanalysed('admin')).toEqual([
      ['cam-a2', now - 300_000, now - 300_000],
      ['cam-stale', null, now - 600_000],
    ]);
    expect(await unanalysed('school-a')).toEqual([]); // its own waters only (cam-a, online for seconds)
    expect((await call(t.http.get('/metrics'))).text).toMatch(/^xl_cameras_unanalysed 2$/m); // all scopes, for Prometheus
    // The camera itself says so too.
    const one = await call(t.http.get('/cameras/cam-fine').set(admin));
    expect(one.body.analysis).toEqual({ analysedAt: now - 2000, unanalysedSince: null });
    // A camera id that would hide the route is refused; a deleted camera's mark goes with it.
    const reserved = await call(t.http.post('/cameras').set(admin).send({ id: 'unanalysed', url: 'rtsp://10.0.0.8/x' }));
    expect([reserved.status, reserved.body.message]).toEqual([400, "body.id: 'unanalysed' is reserved (GET /cameras/unanalysed); choose another id (reserved)"]);
    for (const id of ['cam-stale', 'cam-fine']) expect((await call(t.http.delete(`/cameras/${id}`).set(admin))).status).toBe(204);
    expect(await t.redis.hget(marks, 'cam-fine')).toBeNull();
    // The marks unreadable (here: the key of another type, WRONGTYPE): the camera list still answers,
    // analysis unknown; the unanalysed list fails rather than say "none".
    await t.redis.del(marks);
    await t.redis.set(marks, 'not a hash');
    const list = await call(t.http.get('/cameras').set(admin));
    expect(list.status).toBe(200);
    expect(list.body.items.find((c: { id: string }) => c.id === 'cam-a2').analysis).toEqual({ analysedAt: null, unanalysedSince: null });
    expect((await call(t.http.get('/cameras/unanalysed').set(admin))).status).toBe(500);
    expect((await call(t.http.get('/metrics'))).text).toMatch(/^xl_cameras_unanalysed nan$/im); // prom-client writes Nan; Prometheus reads any case
    await t.redis.del(marks);
  });

  it("says which cameras' streams arrive late, from ingest's marks of the last minute", async () => {
    const delays = new StreamDelayMarks(t.redis, { keyPrefix: t.settings.redisKeyPrefix });
    const now = Date.now();
    await call(t.http.post('/cameras').set(admin).send({ id: 'cam-late', url: 'rtsp://10.0.0.8/x', regionId: 'vil-a1a' })).then((r) => expect(r.status).toBe(201));
    await delays.mark('cam-late', { seconds: 12.46, at: now - 3000 });
    await delays.mark('cam-a3', { seconds: 14, at: now - 120_000 }); // caught up a minute ago: history
    await t.redis.hset(delays.key, 'cam-b', 'garbage');
    const delayOf = async (id: string) => (await call(t.http.get(`/cameras/${id}`).set(admin))).body.streamDelay;
    expect(await delayOf('cam-late')).toEqual({ seconds: 12.5, at: now - 3000 });
    expect(await delayOf('cam-a3')).toBeNull();
    expect(await delayOf('cam-b')).toBeNull();
    const listed = (await call(t.http.get('/cameras').set(admin))).body.items as Array<{ id: string; streamDelay: unknown }>;
    expect(listed.filter((c) => c.streamDelay).map((c) => c.id)).toEqual(['cam-late']);
    // Unreadable marks (WRONGTYPE): the cameras still answer, delay unknown.
    const saved = await t.redis.hgetall(delays.key);
    await t.redis.del(delays.key);
    await t.redis.set(delays.key, 'not a hash');
    expect(await delayOf('cam-late')).toBeNull();
    await t.redis.del(delays.key);
    await t.redis.hset(delays.key, saved);
    expect((await call(t.http.delete('/cameras/cam-late').set(admin))).status).toBe(204);
    expect(await t.redis.hget(delays.key, 'cam-late')).toBeNull();
    await t.redis.del(delays.key);
  });

  it('reports a camera that no ingest reports on a minute after it was configured (no worker reads it)', async () => {
    const clock = t.app.get(Clock);
    const created = await call(t.http.post('/cameras').set(admin).send({ id: 'cam-unread', url: 'rtsp://10.0.0.9/x', regionId: 'vil-a1a' }));
    expect(created.status).toBe(201);
    const configuredAt = (await call(t.http.get('/cameras/cam-unread').set(admin))).body.updatedAt as number;
    const listed = async () => ((await call(t.http.get('/cameras/unanalysed').set(admin))).body.items as Array<{ id: string; analysis: { unanalysedSince: number } }>).find((c) => c.id === 'cam-unread');
    expect(await listed()).toBeUndefined(); // just added: ingest is given its minute
    const realNow = clock.now.bind(clock);
    const later = jest.spyOn(clock, 'now').mockImplementation(() => realNow() + 61_000);
    try {
      expect((await listed())?.analysis.unanalysedSince).toBe(configuredAt);
      // Once ingest reports it offline, the offline alert speaks for it instead.
      await t.app.get(CameraStatusService).handle({ cameraId: 'cam-unread', status: 'offline', reason: 'refused', at: realNow(), ingestId: 'i1' });
      expect(await listed()).toBeUndefined();
    } finally {
      later.mockRestore();
    }
    expect((await call(t.http.delete('/cameras/cam-unread').set(admin))).status).toBe(204);
  });

  it('never wrote a camera password into a response or a log line', () => {
    expect(responses.length).toBeGreaterThan(20);
    const passwords = [CAMERA_PASSWORD, 'Pond2024', 'tlJwpbo6']; // the last two written in the path (XMEye)
    expect(responses.filter((r) => passwords.some((p) => r.includes(p)))).toEqual([]);
    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.filter((l) => passwords.some((p) => l.includes(p)))).toEqual([]);
  });
});
