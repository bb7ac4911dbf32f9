import './testing/nest-esm';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CAMERA_CONFIG_HASH } from '@xl/contracts';
import { CamerasService } from './cameras/cameras.service';
import { ConfigPublisher } from './config-publish/config-publisher';
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

/** A seed in its own folder: SEED and CAMERAS with `edit` applied, and `extraCameras` after the pond. */
function seedVariant(name: string, edit: (text: string) => string, extraCameras = ''): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'seed.yaml'), edit(SEED));
  writeFileSync(path.join(folder, 'cameras.yaml'), edit(CAMERAS) + extraCameras);
  return path.join(folder, 'seed.yaml');
}
/** The pond's water redrawn as 'lake', the school's water moved with it. */
const moveWater = (text: string) => text.replace('waters: [pond/water]', 'waters: [pond/lake]').replace('{ id: water, type: water', '{ id: lake, type: water');
const GATE = `
  - id: gate
    url: rtsp://10.0.0.30/main
    regionId: vil-1
`;

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

  async function asAdmin(route: string) {
    const admin = (await t.http.post('/auth/login').send({ username: 'admin', password: 'seeded-admin-pw' }).expect(200)).body.accessToken;
    return (await t.http.get(route).set({ Authorization: `Bearer ${admin}` }).expect(200)).body;
  }
  const schoolWaters = async () => (await asAdmin('/users')).items.find((u: { username: string }) => u.username === 'school').waters;
  const pondZones = async () => (await asAdmin('/cameras/pond')).zones.map((z: { id: string }) => z.id);
  async function seedFrom(file: string) {
    const { seed, cameras } = await readSeedFile(file);
    return applySeed(t.app, seed, cameras);
  }

  it('refuses a seed with bad cameras whole: every one reported, nothing written', async () => {
    await seedFrom(path.join(dir, 'seed.yaml'));
    const before = await Promise.all(['/regions', '/cameras', '/users'].map(asAdmin));
    const bad = seedVariant('bad-cameras', (text) =>
      text
        .replace('regions:', 'regions:\n  - { id: vil-2, name: Dongtan village, level: village, parent: town-1 }')
        .replace('users:', 'users:\n  - { username: late-op, password: late-op-password, role: operator, regionIds: [vil-2] }')
        .replace('    regionId: town-1', '    regionId: nowhere')
        .replace('    regionId: vil-1', '    regionId: vil-1\n    model: no-such-model'),
    );
    await expect(seedFrom(bad)).rejects.toThrow(
      /nothing written.*camera 'bridge', regionId: region 'nowhere' does not exist.*camera 'pond', model: model 'no-such-model' has no manifest in MODELS_DIR/,
    );
    expect(await Promise.all(['/regions', '/cameras', '/users'].map(asAdmin))).toEqual(before);
  });

  it("leaves a school's waters and its pond as they were when a seed moving the water has a bad later camera", async () => {
    await seedFrom(path.join(dir, 'seed.yaml'));
    const bad = seedVariant('move-then-bad', moveWater, GATE.replace('regionId: vil-1', 'regionId: vil-1\n    model: no-such-model'));
    await expect(seedFrom(bad)).rejects.toThrow(/camera 'gate', model: model 'no-such-model' has no manifest/);
    expect(await schoolWaters()).toEqual(['pond/water']);
    expect(await pondZones()).toEqual(['water']);
  });

  it('reports rule classes, waters, regions and watched zones the seed gets wrong, all at once', async () => {
    await seedFrom(path.join(dir, 'seed.yaml'));
    const admin = (await t.http.post('/auth/login').send({ username: 'admin', password: 'seeded-admin-pw' }).expect(200)).body.accessToken;
    const key = (await t.http.post('/api-keys').set({ Authorization: `Bearer ${admin}` }).send({ name: 'pond siren', role: 'school', cameraIds: ['pond'], waters: ['pond/water'] }).expect(201)).body;
    try {
      const bad = seedVariant('many-problems', (text) =>
        moveWater(text)
          .replace('waters: [pond/lake]', 'waters: [pond/lake, pond/beach]')
          .replace('parent: county-1 }', 'parent: county-9 }')
          .replace('name: School pond', 'name: School pond\n    enabled: false')
          .replace('    regionId: town-1', "    regionId: town-1\n    zones: [{ id: road, type: generic, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }]\n    rules: [{ id: boats, type: zone_enter, zone: road, classes: [ship] }]"),
      );
      const refused = seedFrom(bad);
      await expect(refused).rejects.toThrow(/region 'town-1', parent: region 'county-9' does not exist/);
      await expect(refused).rejects.toThrow(/camera 'bridge', rules\[0\] \(id 'boats'\)\.classes\[0\]: 'ship' is not a label of model yolox_nano/);
      await expect(refused).rejects.toThrow(/camera 'pond', zones: the seed removes zone 'water', a water of API key 'pond siren'/);
      await expect(refused).rejects.toThrow(/camera 'pond', enabled: the camera is watched by user 'school', API key 'pond siren' and cannot be disabled/);
      await expect(refused).rejects.toThrow(/user 'school', waters\[1\]: water 'pond\/beach': camera 'pond' has no zone 'beach'/);
      expect(await schoolWaters()).toEqual(['pond/water']);
    } finally {
      await t.http.delete(`/api-keys/${key.id}`).set({ Authorization: `Bearer ${admin}` }).expect(204);
    }
  });

  // Failures no check can foresee (the database or Redis failing midway): the school keeps a water
  // on the pond whichever state the pond is left in, never none (a school without waters on a camera
  // sees every alert of it).
  it.each([
    ['the pond camera fails before it is saved', 'pond', 'upsert', ['pond/water'], ['water']],
    ['the pond camera is saved but not published', 'pond', 'publish', ['pond/lake'], ['lake']],
    ['a later camera fails', 'gate', 'upsert', ['pond/lake'], ['lake']],
  ] as const)('keeps a moved water when %s', async (_, failing, step, waters, zones) => {
    await seedFrom(path.join(dir, 'seed.yaml'));
    const cameraService = t.app.get(CamerasService);
    const publisher = t.app.get(ConfigPublisher);
    const upsert = cameraService.upsert.bind(cameraService);
    const publish = publisher.publishCamera.bind(publisher);
    const spy =
      step === 'upsert'
        ? jest.spyOn(cameraService, 'upsert').mockImplementation((by, camera) => (camera.id === failing ? Promise.reject(new Error('database unreachable')) : upsert(by, camera)))
        : jest.spyOn(publisher, 'publishCamera').mockImplementation((id) => (id === failing ? Promise.reject(new Error('Redis unreachable')) : publish(id)));
    try {
      await expect(seedFrom(seedVariant(`move-${failing}-${step}`, moveWater, GATE))).rejects.toThrow(step === 'upsert' ? 'database unreachable' : `camera '${failing}' was saved`);
    } finally {
      spy.mockRestore();
    }
    expect(await schoolWaters()).toEqual(waters);
    expect(await pondZones()).toEqual(zones);
  });
});
