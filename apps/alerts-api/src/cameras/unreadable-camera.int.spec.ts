import '../testing/nest-esm';
import { sql } from 'kysely';
import { capturedLogger } from '../testing/captured-logger';
import { CAMERA_CONFIG_HASH } from '@xl/contracts';
import { ConfigPublisher } from '../config-publish/config-publisher';
import { KYSELY } from '../core/tokens';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';

// A row this release cannot read: e.g. a rollback after a newer release saved a motion field this one
// does not know (storedCameraSchema is strict). It must not take every other camera down with it.
describe.each(DATABASE_KINDS)('a stored camera this release cannot read, on %s', (kind) => {
  let t: TestApp;
  let admin: Record<string, string>;
  let hashKey: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind, {}, { logger: capturedLogger(logLines, 'info') });
    hashKey = `${t.settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`;
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    await sql`update cameras set motion = ${JSON.stringify({ nightBoost: true })} where id = 'cam-a3'`.execute(t.app.get(KYSELY));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('is left out of a full publish, logged and counted, and keeps its published configuration', async () => {
    const before = await t.redis.hget(hashKey, 'cam-a3');
    expect(before).not.toBeNull();
    logLines.length = 0;
    await t.app.get(ConfigPublisher).publishAll(); // before: threw, at start, every 5 s and after a Redis loss
    expect((await t.redis.hkeys(hashKey)).sort()).toEqual(['cam-a', 'cam-a2', 'cam-a3', 'cam-b']);
    expect(await t.redis.hget(hashKey, 'cam-a3')).toBe(before);
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.cameraId === 'cam-a3');
    expect(logged).toMatchObject({ level: 50, problems: ['motion: Unrecognized key: "nightBoost"'] });
    expect(logged.msg).toContain('its last published configuration is kept');
    expect((await t.http.get('/metrics')).text).toMatch(/^xl_config_unreadable_cameras 1$/m);
  });

  it('is left out of the camera list, which still answers', async () => {
    const res = await t.http.get('/cameras').set(admin);
    expect(res.status).toBe(200); // before: 500
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual(['cam-a', 'cam-a2', 'cam-b']);
  });

  it('answers a read of it with an error naming the camera and the problem', async () => {
    const res = await t.http.get('/cameras/cam-a3').set(admin);
    expect(res.status).toBe(500);
    expect(res.body.message).toBe(
      "camera 'cam-a3' is stored in a form this release cannot read (motion: Unrecognized key: \"nightBoost\"): saved by a newer release? Fix the row or run that release; its last published configuration stays in use",
    ); // before: "Internal server error"
    // Outside the caller's scope it does not exist, as any other camera.
    const outside = await t.http.get('/cameras/cam-a3').set({ Authorization: `Bearer ${await t.token('op-b')}` });
    expect({ status: outside.status, message: outside.body.message }).toEqual({ status: 404, message: "camera 'cam-a3' not found" });
  });

  it('can still be deleted by who holds its region, and its published configuration goes with it', async () => {
    const outside = await t.http.delete('/cameras/cam-a3').set({ Authorization: `Bearer ${await t.token('op-b')}` });
    expect(outside.status).toBe(404);
    const res = await t.http.delete('/cameras/cam-a3').set(admin);
    expect(res.status).toBe(204); // before: 500, only SQL could remove it
    expect((await t.http.get('/cameras/cam-a3').set(admin)).status).toBe(404);
    expect(await t.redis.hget(hashKey, 'cam-a3')).toBeNull(); // the workers stop reading it
    await t.app.get(ConfigPublisher).publishAll();
    expect((await t.http.get('/metrics')).text).toMatch(/^xl_config_unreadable_cameras 0$/m);
  });
});