import '../testing/nest-esm';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { CAMERA_PASSWORD, createWorld } from '../testing/world';

// Every endpoint × role × object in/out of the caller's scope. Roles are played by world users:
// operator op-a (township A1), school school-a (camera cam-a), viewer viewer-a (county A). "In"
// objects sit in village A1a (cam-a), "out" objects in village B1a (cam-b). Expected: 403 for a
// role the endpoint does not allow, 404 for an object outside the scope (admins have no outside),
// the success status otherwise.

type RoleName = 'admin' | 'operator' | 'school' | 'viewer';
type Scope = 'in' | 'out';
const ROLES: RoleName[] = ['admin', 'operator', 'school', 'viewer'];
const USER: Record<RoleName, string> = { admin: 'admin', operator: 'op-a', school: 'school-a', viewer: 'viewer-a' };
const CAMERA: Record<Scope, string> = { in: 'cam-a', out: 'cam-b' };
const VILLAGE: Record<Scope, string> = { in: 'vil-a1a', out: 'vil-b1a' };
const ALL = ROLES;

interface Ctx {
  t: TestApp;
  auth: Record<string, string>;
  fresh: Fixtures;
}

interface Case {
  name: string;
  roles: RoleName[];
  ok: number;
  /** Whether the object is visible to the role (default: admin, or scope 'in'). */
  visible?: (role: RoleName, scope: Scope) => boolean;
  /** Status for an allowed role and an invisible object (default 404). */
  hidden?: number;
  run(ctx: Ctx, scope: Scope): Promise<Response>;
}

interface Fixtures {
  alert(scope: Scope, state?: 'open' | 'acknowledged', snapshot?: boolean): Promise<string>;
  camera(scope: Scope): Promise<string>;
  region(): Promise<string>;
  user(): Promise<string>;
  apiKey(): Promise<string>;
  userId(username: string): Promise<string>;
}

let serial = 0;
const next = (label: string) => `${label}-${++serial}`;
const enc = encodeURIComponent;

const CASES: Case[] = [
  { name: 'GET /auth/me', roles: ALL, ok: 200, visible: () => true, run: ({ t, auth }) => t.http.get('/auth/me').set(auth) },
  { name: 'GET /alerts', roles: ALL, ok: 200, visible: () => true, run: ({ t, auth }) => t.http.get('/alerts').set(auth) },
  { name: 'GET /alerts/:id', roles: ALL, ok: 200, run: async ({ t, auth, fresh }, s) => t.http.get(`/alerts/${enc(await fresh.alert(s))}`).set(auth) },
  {
    name: 'GET /alerts/:id/snapshot',
    roles: ALL,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.get(`/alerts/${enc(await fresh.alert(s, 'open', true))}/snapshot`).set(auth),
  },
  {
    name: 'POST /alerts/:id/acknowledge',
    roles: ['admin', 'operator', 'school'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s))}/acknowledge`).set(auth).send({}),
  },
  {
    name: 'POST /alerts/:id/dispatch',
    roles: ['admin', 'operator'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s, 'acknowledged'))}/dispatch`).set(auth).send({ assignee: 'grid worker' }),
  },
  {
    name: 'POST /alerts/:id/resolve',
    roles: ['admin', 'operator'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s, 'acknowledged'))}/resolve`).set(auth).send({ outcome: 'false_alarm' }),
  },
  { name: 'GET /cameras', roles: ALL, ok: 200, visible: () => true, run: ({ t, auth }) => t.http.get('/cameras').set(auth) },
  { name: 'GET /cameras/:id', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}`).set(auth) },
  { name: 'GET /cameras/:id/zones', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/zones`).set(auth) },
  { name: 'GET /cameras/:id/rules', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/rules`).set(auth) },
  {
    name: 'POST /cameras',
    roles: ['admin', 'operator'],
    ok: 201,
    hidden: 400,
    run: ({ t, auth }, s) => t.http.post('/cameras').set(auth).send({ id: next('new-cam'), url: 'rtsp://10.9.9.9/main', regionId: VILLAGE[s] }),
  },
  {
    name: 'PATCH /cameras/:id',
    roles: ['admin', 'operator'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.patch(`/cameras/${await fresh.camera(s)}`).set(auth).send({ name: 'renamed', fps: 3 }),
  },
  {
    name: 'PUT /cameras/:id/zones',
    roles: ['admin', 'operator'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) =>
      t.http.put(`/cameras/${await fresh.camera(s)}/zones`).set(auth).send({ zones: [{ id: 'bank', type: 'generic', polygon: [[0, 0], [1, 0], [1, 1]] }] }),
  },
  {
    name: 'PUT /cameras/:id/rules',
    roles: ['admin', 'operator'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.put(`/cameras/${await fresh.camera(s)}/rules`).set(auth).send({ rules: [{ id: 'dark', type: 'camera_covered' }] }),
  },
  { name: 'DELETE /cameras/:id', roles: ['admin', 'operator'], ok: 204, run: async ({ t, auth, fresh }, s) => t.http.delete(`/cameras/${await fresh.camera(s)}`).set(auth) },
  { name: 'GET /regions', roles: ALL, ok: 200, visible: () => true, run: ({ t, auth }) => t.http.get('/regions').set(auth) },
  {
    name: 'GET /regions/:id',
    roles: ALL,
    ok: 200,
    visible: (role, s) => role === 'admin' || (s === 'in' && role !== 'school'),
    run: ({ t, auth }, s) => t.http.get(`/regions/${VILLAGE[s]}`).set(auth),
  },
  {
    name: 'POST /regions',
    roles: ['admin'],
    ok: 201,
    run: ({ t, auth }, s) => t.http.post('/regions').set(auth).send({ id: next('reg'), name: 'New village', level: 'village', parentId: s === 'in' ? 'town-a1' : 'town-b1' }),
  },
  { name: 'PATCH /regions/:id', roles: ['admin'], ok: 200, run: ({ t, auth }, s) => t.http.patch(`/regions/${VILLAGE[s]}`).set(auth).send({ name: `Village ${s}` }) },
  { name: 'DELETE /regions/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/regions/${await fresh.region()}`).set(auth) },
  { name: 'GET /users', roles: ['admin'], ok: 200, run: ({ t, auth }) => t.http.get('/users').set(auth) },
  { name: 'GET /users/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.get(`/users/${await fresh.userId('op-b')}`).set(auth) },
  {
    name: 'POST /users',
    roles: ['admin'],
    ok: 201,
    run: ({ t, auth }) => t.http.post('/users').set(auth).send({ username: next('user'), password: 'long-enough-pw', role: 'viewer', regionIds: ['county-b'] }),
  },
  { name: 'PATCH /users/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.patch(`/users/${await fresh.user()}`).set(auth).send({ displayName: 'Renamed' }) },
  { name: 'DELETE /users/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/users/${await fresh.user()}`).set(auth) },
  { name: 'GET /api-keys', roles: ['admin'], ok: 200, run: ({ t, auth }) => t.http.get('/api-keys').set(auth) },
  { name: 'POST /api-keys', roles: ['admin'], ok: 201, run: ({ t, auth }) => t.http.post('/api-keys').set(auth).send({ name: next('key'), role: 'viewer', regionIds: ['city'] }) },
  { name: 'DELETE /api-keys/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/api-keys/${await fresh.apiKey()}`).set(auth) },
];

function expected(c: Case, role: RoleName, scope: Scope): number {
  if (!c.roles.includes(role)) return 403;
  const visible = c.visible ? c.visible(role, scope) : role === 'admin' || scope === 'in';
  return visible ? c.ok : (c.hidden ?? 404);
}

describe.each(DATABASE_KINDS)('authorization matrix on %s', (kind) => {
  let t: TestApp;
  let fresh: Fixtures;
  const bodies: string[] = [];
  const tokens = {} as Record<RoleName, string>;

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    for (const role of ROLES) tokens[role] = await t.token(USER[role]);
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const intake = t.app.get(AlertIntakeService);
    mkdirSync(path.join(t.snapshotDir, 'm'), { recursive: true });
    writeFileSync(path.join(t.snapshotDir, 'm', 's.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    fresh = {
      async alert(scope, state = 'open', snapshot = false) {
        const event = alertEvent({ cameraId: CAMERA[scope], ...(snapshot ? { snapshotPath: 'm/s.jpg' } : {}) });
        await intake.consume(event);
        if (state === 'acknowledged') await t.http.post(`/alerts/${enc(event.alertId)}/acknowledge`).set(admin).send({}).expect(200);
        return event.alertId;
      },
      async camera(scope) {
        const id = next('cam');
        await t.http.post('/cameras').set(admin).send({ id, url: `rtsp://u:${CAMERA_PASSWORD}@10.1.1.1/x`, regionId: VILLAGE[scope] }).expect(201);
        return id;
      },
      async region() {
        const id = next('leaf');
        await t.http.post('/regions').set(admin).send({ id, name: id, level: 'village', parentId: 'town-a1' }).expect(201);
        return id;
      },
      async user() {
        const res = await t.http.post('/users').set(admin).send({ username: next('u'), password: 'long-enough-pw', role: 'viewer' }).expect(201);
        return res.body.id as string;
      },
      async apiKey() {
        const res = await t.http.post('/api-keys').set(admin).send({ name: next('k'), role: 'viewer' }).expect(201);
        return res.body.id as string;
      },
      async userId(username) {
        const res = await t.http.get('/users').set(admin).expect(200);
        return (res.body.items as { id: string; username: string }[]).find((u) => u.username === username)!.id;
      },
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const actual: Record<string, number> = {};
    const wanted: Record<string, number> = {};
    for (const role of ROLES) {
      for (const scope of ['in', 'out'] as const) {
        const res = await c.run({ t, auth: { Authorization: `Bearer ${tokens[role]}` }, fresh }, scope);
        bodies.push(res.text ?? '');
        actual[`${role}/${scope}`] = res.status;
        wanted[`${role}/${scope}`] = expected(c, role, scope);
      }
    }
    const anonymous = await c.run({ t, auth: {}, fresh }, 'in');
    actual.anonymous = anonymous.status;
    wanted.anonymous = 401;
    expect(actual).toEqual(wanted);
  });

  it('never returned a camera password in any of those responses', () => {
    expect(bodies.length).toBeGreaterThan(CASES.length * 8 - 1);
    expect(bodies.filter((b) => b.includes(CAMERA_PASSWORD))).toEqual([]);
  });

  it('shows a school only its own cameras and their alerts', async () => {
    const school = { Authorization: `Bearer ${tokens.school}` };
    const intake = t.app.get(AlertIntakeService);
    const own = alertEvent({ cameraId: 'cam-a' });
    const sameVillage = alertEvent({ cameraId: 'cam-a3' });
    const elsewhere = alertEvent({ cameraId: 'cam-b' });
    for (const e of [own, sameVillage, elsewhere]) await intake.consume(e);

    const alerts = (await t.http.get('/alerts').query({ limit: 200 }).set(school)).body.items as { cameraId: string; id: string }[];
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => a.cameraId))).toEqual(new Set(['cam-a']));
    expect(alerts.map((a) => a.id)).toContain(own.alertId);
    for (const e of [sameVillage, elsewhere]) expect((await t.http.get(`/alerts/${enc(e.alertId)}`).set(school)).status).toBe(404);
    expect((await t.http.get('/alerts').query({ camera: 'cam-a3' }).set(school)).body.items).toEqual([]);
    expect((await t.http.get('/cameras').set(school)).body.items.map((c: { id: string }) => c.id)).toEqual(['cam-a']);
    expect((await t.http.get('/regions').set(school)).body.items).toEqual([]);
  });

  it('scopes API keys like users and stops honouring a revoked key', async () => {
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const created = await t.http.post('/api-keys').set(admin).send({ name: 'township dashboard', role: 'operator', regionIds: ['town-a1'] }).expect(201);
    expect(created.body.key).toMatch(/^xlk_[0-9a-f]{16}_/);
    const listed = await t.http.get('/api-keys').set(admin);
    expect(listed.text).not.toContain(created.body.key.slice(-32));
    const key = { Authorization: `Bearer ${created.body.key}` };
    expect((await t.http.get('/auth/me').set(key)).body).toMatchObject({ kind: 'api_key', role: 'operator', regionIds: ['town-a1'] });
    expect((await t.http.get(`/alerts/${enc(await fresh.alert('in'))}`).set(key)).status).toBe(200);
    expect((await t.http.get(`/alerts/${enc(await fresh.alert('out'))}`).set(key)).status).toBe(404);
    await t.http.delete(`/api-keys/${created.body.id}`).set(admin).expect(204);
    expect((await t.http.get('/auth/me').set(key)).status).toBe(401);
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${created.body.key.slice(0, -1)}x` })).status).toBe(401);
  });

  it('rate-limits failed logins per IP and user name, even for the right password', async () => {
    for (let i = 0; i < t.settings.loginMaxFailures; i++) {
      expect((await t.http.post('/auth/login').send({ username: 'op-b', password: 'wrong-password' })).status).toBe(401);
    }
    const locked = await t.http.post('/auth/login').send({ username: 'op-b', password: 'op-b-password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.http.post('/auth/login').send({ username: 'viewer-a', password: 'viewer-a-password' })).status).toBe(200);
  });

  it('stops accepting the tokens of a disabled user at once', async () => {
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const id = await fresh.user();
    const users = (await t.http.get('/users').set(admin)).body.items as { id: string; username: string }[];
    const username = users.find((u) => u.id === id)!.username;
    const token = (await t.http.post('/auth/login').send({ username, password: 'long-enough-pw' }).expect(200)).body.accessToken;
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${token}` })).status).toBe(200);
    await t.http.patch(`/users/${id}`).set(admin).send({ disabled: true }).expect(200);
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await t.http.get('/auth/me').set({ Authorization: 'Bearer not-a-token' })).status).toBe(401);
  });
});
