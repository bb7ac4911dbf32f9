import './testing/nest-esm';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CAMERA_CONFIG_HASH } from '@xl/contracts';
import { applySeed, readSeedFile } from './seeding';
import { startTestApp, type TestApp } from './testing/test-app';
import { DATABASE_KINDS } from './testing/test-databases';

const dir = mkdtempSync(path.join(tmpdir(), 'xl-seed-'));
const SEED = `
regions:
  - { id: vil-1, name: Xinhe village, level: village, parent: town-1 }
  - { id: city, name: Demo city, level: city }
  - { id: county-1, name: East county, level: county, parent: city }
  - { id: town-1, name: Riverside township, level: township, parent: county-1 }
cameraFile: cameras.yaml
cameras:
  - id: bridge
    url: rtsp://10.0.0.20/main
    regionId: town-1
users:
  - { username: admin, password: seeded-admin-pw, role: admin }
  - { username: town-op, password: town-op-password, role: operator, regionIds: [town-1] }
  - { username: school, password: school-password, role: school, cameraIds: [pond], waters: [pond/water] }
`;
const CAMERAS = `
cameras:
  - id: pond
    name: School pond
    url: rtsp://viewer:pond-secret@10.0.0.10:554/main
    regionId: vil-1
    zones:
      - { id: water, type: water, polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }
`;
writeFileSync(path.join(dir, 'seed.yaml'), SEED);
writeFileSync(path.join(dir, 'cameras.yaml'), CAMERAS);

describe.each(DATABASE_KINDS)('seed file on %s', (kind) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates the region tree, cameras and users, publishes the cameras, and is idempotent', async () => {
    const { seed, cameras } = await readSeedFile(path.join(dir, 'seed.yaml'));
    expect(await applySeed(t.app, seed, cameras)).toEqual({
      regions: { created: 4, updated: 0 },
      cameras: { created: 2, updated: 0 },
      users: { created: 2, updated: 1 },
    });
    expect(await applySeed(t.app, seed, cameras)).toEqual({
      regions: { created: 0, updated: 4 },
      cameras: { created: 0, updated: 2 },
      users: { created: 0, updated: 3 },
    });

    const op = (await t.http.post('/auth/login').send({ username: 'town-op', password: 'town-op-password' }).expect(200)).body.accessToken;
    const cams = (await t.http.get('/cameras').set({ Authorization: `Bearer ${op}` })).body.items.map((c: { id: string }) => c.id);
    expect(cams).toEqual(['bridge', 'pond']);
    const school = (await t.http.post('/auth/login').send({ username: 'school', password: 'school-password' }).expect(200)).body.accessToken;
    expect((await t.http.get('/cameras').set({ Authorization: `Bearer ${school}` })).body.items.map((c: { id: string }) => c.id)).toEqual(['pond']);
    // The seeded admin password replaced the bootstrap one.
    expect((await t.http.post('/auth/login').send({ username: 'admin', password: 'seeded-admin-pw' })).status).toBe(200);

    const published = JSON.parse((await t.redis.hget(`${t.settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`, 'pond')) ?? 'null');
    expect(published).toMatchObject({ id: 'pond', url: 'rtsp://viewer:pond-secret@10.0.0.10:554/main', regionId: 'vil-1' });
  });

  it("moves a school's water in one pass when the seed redraws its zone under a new id", async () => {
    const moved = path.join(dir, 'moved');
    mkdirSync(moved, { recursive: true });
    writeFileSync(path.join(moved, 'seed.yaml'), SEED.replace('waters: [pond/water]', 'waters: [pond/lake]'));
    writeFileSync(path.join(moved, 'cameras.yaml'), CAMERAS.replace('{ id: water, type: water', '{ id: lake, type: water'));
    const { seed, cameras } = await readSeedFile(path.join(moved, 'seed.yaml'));
    await applySeed(t.app, seed, cameras);
    const admin = (await t.http.post('/auth/login').send({ username: 'admin', password: 'seeded-admin-pw' }).expect(200)).body.accessToken;
    const school = (await t.http.get('/users').set({ Authorization: `Bearer ${admin}` })).body.items.find((u: { username: string }) => u.username === 'school');
    expect(school.waters).toEqual(['pond/lake']);
    const pond = (await t.http.get('/cameras/pond').set({ Authorization: `Bearer ${admin}` })).body;
    expect(pond.zones.map((z: { id: string }) => z.id)).toEqual(['lake']);
  });

  it('reports every bad camera of a seed file at once, naming camera and field', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'cameras:\n  - { id: a, url: "http://x/" }\n  - { id: b, url: "rtsp://x/", fps: 0 }\n');
    await expect(readSeedFile(bad)).rejects.toThrow(/camera 'a', url: must use rtsp.*camera 'b', fps/);
    writeFileSync(bad, 'regions:\n  - { id: r, name: R, level: hamlet }\n');
    await expect(readSeedFile(bad)).rejects.toThrow(/regions\.0\.level/);
  });
});
