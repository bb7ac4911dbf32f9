import type { TestApp } from './test-app';

// A small region tree with cameras and users of every role, created through the REST API.
//
//   city
//   ├── county-a
//   │   └── town-a1 ─── cam-a2
//   │       └── vil-a1a ─── cam-a (credentials), cam-a3
//   └── county-b
//       └── town-b1
//           └── vil-b1a ─── cam-b

export const CAMERA_PASSWORD = 'Sup3r-Secret-Pw';

export const REGIONS = [
  { id: 'city', name: 'City', level: 'city', parentId: null },
  { id: 'county-a', name: 'County A', level: 'county', parentId: 'city' },
  { id: 'town-a1', name: 'Township A1', level: 'township', parentId: 'county-a' },
  { id: 'vil-a1a', name: 'Village A1a', level: 'village', parentId: 'town-a1' },
  { id: 'county-b', name: 'County B', level: 'county', parentId: 'city' },
  { id: 'town-b1', name: 'Township B1', level: 'township', parentId: 'county-b' },
  { id: 'vil-b1a', name: 'Village B1a', level: 'village', parentId: 'town-b1' },
] as const;

const pond = { id: 'pond', name: '北塘', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]] };

export const CAMERAS = [
  { id: 'cam-a', name: 'North pond', url: `rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/main`, subUrl: `rtsp://admin:${CAMERA_PASSWORD}@10.0.0.1:554/sub`, regionId: 'vil-a1a', zones: [pond] },
  { id: 'cam-a2', name: 'Township square', url: 'rtsp://10.0.0.2/main', regionId: 'town-a1' },
  { id: 'cam-a3', name: 'Village bridge', url: 'rtsp://10.0.0.3/main', regionId: 'vil-a1a' },
  { id: 'cam-b', name: 'River bend', url: 'rtsp://10.0.1.1/main', regionId: 'vil-b1a', zones: [pond] },
];

export const USERS = [
  { username: 'op-a', role: 'operator', regionIds: ['town-a1'] },
  { username: 'op-b', role: 'operator', regionIds: ['county-b'] },
  { username: 'op-county-a', role: 'operator', regionIds: ['county-a'] },
  { username: 'op-city', role: 'operator', regionIds: ['city'] },
  { username: 'school-a', role: 'school', cameraIds: ['cam-a'] },
  { username: 'viewer-a', role: 'viewer', regionIds: ['county-a'] },
] as const;

export async function createWorld(t: TestApp): Promise<void> {
  const auth = { Authorization: `Bearer ${await t.token('admin')}` };
  for (const region of REGIONS) await expectCreated(t.http.post('/regions').set(auth).send(region), `region ${region.id}`);
  for (const camera of CAMERAS) await expectCreated(t.http.post('/cameras').set(auth).send(camera), `camera ${camera.id}`);
  for (const user of USERS) {
    await expectCreated(t.http.post('/users').set(auth).send({ ...user, password: `${user.username}-password` }), `user ${user.username}`);
  }
}

async function expectCreated(req: PromiseLike<{ status: number; body: unknown }>, what: string): Promise<void> {
  const res = await req;
  if (res.status !== 201) throw new Error(`creating ${what}: ${res.status} ${JSON.stringify(res.body)}`);
}
