import '../testing/nest-esm';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Response } from 'supertest';
import { evidenceClipPath, evidenceSnapshotPath } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { AccessTokens } from '../auth/access-tokens';
import { loadEvidenceOptions } from '../evidence/evidence.options';
import { EvidenceService } from '../evidence/evidence.service';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { CAMERA_PASSWORD, createWorld } from '../testing/world';
import { servedRoutes } from './route-inventory';

// Every route the app serves × every kind of caller × an object inside / outside the caller's
// scope, against a declared policy table. The routes come from the app itself (servedRoutes), so a
// new route without an entry here fails the first test by name.
//
// Callers (world users, one user of its own, plus two API keys): admin; operators scoped to
// township A1, county A and the whole city; an operator of township A1 granted county B's cam-b by
// id (to watch it); school-a (camera cam-a); viewer-a (county A); an operator API key (township
// A1); a school API key (cam-a). "In" objects sit in village A1a (cam-a), "out" objects in village
// B1a (cam-b). Expected: 401 without credentials (unless public), 403 for a role the route does not
// allow, 404 for an object outside the scope, 403 for a change to a camera the caller sees but
// whose region is not theirs (a grant by id is for watching), the success status otherwise.

type Role = 'admin' | 'operator' | 'school' | 'viewer';
type Scope = 'in' | 'out';

interface Caller {
  name: string;
  role: Role;
  /** Which of the two objects lie in this caller's scope. */
  sees: Record<Scope, boolean>;
  /** Which of the two objects' regions lie in this caller's region subtrees (default: `sees`). */
  holds?: Record<Scope, boolean>;
  /** A world user name, a user the matrix creates (password `<username>-password`), or how to create the API key. */
  user?: string;
  newUser?: { username: string; role: Role; regionIds?: string[]; cameraIds?: string[] };
  apiKey?: { role: Role; regionIds?: string[]; cameraIds?: string[] };
}

const BOTH = { in: true, out: true };
const IN_ONLY = { in: true, out: false };
const CALLERS: Caller[] = [
  { name: 'admin', role: 'admin', sees: BOTH, user: 'admin' },
  { name: 'operator@township', role: 'operator', sees: IN_ONLY, user: 'op-a' },
  { name: 'operator@county', role: 'operator', sees: IN_ONLY, user: 'op-county-a' },
  { name: 'operator@city', role: 'operator', sees: BOTH, user: 'op-city' },
  {
    name: 'operator@township+cam-b',
    role: 'operator',
    sees: BOTH,
    holds: IN_ONLY,
    newUser: { username: 'op-a-watching-b', role: 'operator', regionIds: ['town-a1'], cameraIds: ['cam-b'] },
  },
  { name: 'school', role: 'school', sees: IN_ONLY, user: 'school-a' },
  { name: 'viewer@county', role: 'viewer', sees: IN_ONLY, user: 'viewer-a' },
  { name: 'api-key operator@township', role: 'operator', sees: IN_ONLY, apiKey: { role: 'operator', regionIds: ['town-a1'] } },
  { name: 'api-key school', role: 'school', sees: IN_ONLY, apiKey: { role: 'school', cameraIds: ['cam-a'] } },
];
const ALL: Role[] = ['admin', 'operator', 'school', 'viewer'];
const WRITERS: Role[] = ['admin', 'operator'];
const CAMERA: Record<Scope, string> = { in: 'cam-a', out: 'cam-b' };
const VILLAGE: Record<Scope, string> = { in: 'vil-a1a', out: 'vil-b1a' };
const holds = (caller: Caller, s: Scope) => (caller.holds ?? caller.sees)[s];
/** Region-scoped objects (regions, reports, a new camera's region): a camera granted by id does not reach them. */
const holdsRegion = (caller: Caller, s: Scope) => caller.role !== 'school' && holds(caller, s);

interface Ctx {
  t: TestApp;
  auth: Record<string, string>;
  fresh: Fixtures;
}

interface Case {
  /** "METHOD /path" exactly as servedRoutes() lists it. */
  route: string;
  /** Roles allowed to call it, or 'public' (no credentials needed; everyone gets `ok`). */
  roles: Role[] | 'public';
  ok: number;
  /** Whether the object is visible to the caller (default: it is in the caller's scope). */
  visible?: (caller: Caller, scope: Scope) => boolean;
  /** Status for an allowed role and an invisible object (default 404). */
  hidden?: number;
  /** Changes a camera: one the caller sees but whose region they do not hold is a 403 (canEditCamera). */
  edits?: boolean;
  run(ctx: Ctx, scope: Scope): Promise<Response>;
}

interface Fixtures {
  alert(scope: Scope, state?: 'open' | 'acknowledged', snapshot?: boolean): Promise<string>;
  /** An alert with a complete evidence clip and high-resolution snapshot (one per scope, reused). */
  alertWithEvidence(scope: Scope): Promise<string>;
  camera(scope: Scope): Promise<string>;
  region(): Promise<string>;
  user(): Promise<string>;
  apiKey(): Promise<string>;
  webhook(): Promise<string>;
  userId(username: string): Promise<string>;
}

let serial = 0;
const next = (label: string) => `${label}-${++serial}`;
const enc = encodeURIComponent;
const always = () => true;
const get = (route: string): Pick<Case, 'route' | 'run'> => ({ route: `GET ${route}`, run: ({ t, auth }) => t.http.get(route).set(auth) });

/** A bulk answer's status for its single alert (the request's own status when it was refused as a whole). */
function bulkItemStatus(res: Response): Response {
  const item = res.status === 200 ? (res.body as { results: { ok: boolean; status?: number }[] }).results[0] : undefined;
  if (item && !item.ok) res.status = item.status!;
  return res;
}

const CASES: Case[] = [
  // Public: probes, login, the OpenAPI pages.
  ...['/healthz', '/readyz', '/metrics'].map((p) => ({ ...get(p), roles: 'public' as const, ok: 200 })),
  // A fresh user name each time: the login limiter counts failures per IP and user name.
  { route: 'POST /auth/login', roles: 'public', ok: 401, run: ({ t, auth }) => t.http.post('/auth/login').set(auth).send({ username: next('nobody'), password: 'wrong' }) },
  ...['/docs', '/docs/', '/docs/index.html', '/docs/swagger-ui-init.js', '/docs/docs/swagger-ui-init.js', '/docs-json', '/docs-yaml'].map((p) => ({
    ...get(p),
    roles: 'public' as const,
    ok: 200,
  })),
  // Registered by swagger-ui for a file its package does not ship.
  { ...get('/docs/LICENSE'), roles: 'public', ok: 404 },
  // The console (apps/console): / and /console redirect; a file that is not there is a 404 whether built or not.
  { ...get('/'), roles: 'public', ok: 302 },
  { ...get('/console'), roles: 'public', ok: 301 },
  { route: 'GET /console/*path', roles: 'public', ok: 404, run: ({ t, auth }) => t.http.get('/console/assets/missing.js').set(auth) },
  // What the console needs before sign-in (the display time zone): public, nothing secret.
  { ...get('/console/settings.json'), roles: 'public', ok: 200 },

  { route: 'GET /auth/me', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/auth/me').set(auth) },
  // A person's token is renewed; an API key does not expire and has nothing to renew (400).
  { route: 'POST /auth/refresh', roles: ALL, ok: 200, visible: (caller) => !caller.apiKey, hidden: 400, run: ({ t, auth }) => t.http.post('/auth/refresh').set(auth) },
  // Everyone signed in may change their own password; a new one too short to accept is refused before
  // anything is compared (400), so the matrix neither changes passwords nor feeds the login limiter.
  { route: 'POST /auth/password', roles: ALL, ok: 400, visible: always, run: ({ t, auth }) => t.http.post('/auth/password').set(auth).send({ currentPassword: 'whatever', newPassword: 'short' }) },
  { route: 'GET /alerts', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/alerts').set(auth) },
  { route: 'GET /alerts/:id', roles: ALL, ok: 200, run: async ({ t, auth, fresh }, s) => t.http.get(`/alerts/${enc(await fresh.alert(s))}`).set(auth) },
  {
    route: 'GET /alerts/:id/snapshot',
    roles: ALL,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.get(`/alerts/${enc(await fresh.alert(s, 'open', true))}/snapshot`).set(auth),
  },
  {
    route: 'GET /alerts/:id/snapshots/:capturedAt',
    roles: ALL,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => {
      const id = enc(await fresh.alert(s, 'open', true));
      // The caller's own view of the alert names the picture; one who cannot see it tries a made-up time.
      const detail = await t.http.get(`/alerts/${id}`).set(auth);
      return t.http.get(detail.status === 200 ? detail.body.snapshots[0].url : `/alerts/${id}/snapshots/1`).set(auth);
    },
  },
  ...(['evidence', 'clip', 'hires-snapshot'] as const).map(
    (part): Case => ({
      route: `GET /alerts/:id/${part}`,
      roles: ALL,
      ok: 200,
      run: async ({ t, auth, fresh }, s) => t.http.get(`/alerts/${enc(await fresh.alertWithEvidence(s))}/${part}`).set(auth),
    }),
  ),
  {
    route: 'POST /alerts/:id/acknowledge',
    roles: ['admin', 'operator', 'school'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s))}/acknowledge`).set(auth).send({}),
  },
  {
    route: 'POST /alerts/:id/dispatch',
    roles: WRITERS,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s, 'acknowledged'))}/dispatch`).set(auth).send({ assignee: 'grid worker' }),
  },
  {
    route: 'POST /alerts/:id/resolve',
    roles: WRITERS,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s, 'acknowledged'))}/resolve`).set(auth).send({ outcome: 'false_alarm' }),
  },
  // Bulk: the request succeeds (200) and each alert has its own status; the matrix reads that of
  // its one alert, so an alert outside the scope must come back 404 inside a 200.
  {
    route: 'POST /alerts/bulk/acknowledge',
    roles: ['admin', 'operator', 'school'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => bulkItemStatus(await t.http.post('/alerts/bulk/acknowledge').set(auth).send({ ids: [await fresh.alert(s)] })),
  },
  {
    route: 'POST /alerts/bulk/resolve',
    roles: WRITERS,
    ok: 200,
    run: async ({ t, auth, fresh }, s) => bulkItemStatus(await t.http.post('/alerts/bulk/resolve').set(auth).send({ ids: [await fresh.alert(s, 'acknowledged')], outcome: 'duplicate' })),
  },
  {
    route: 'POST /alerts/:id/seen',
    roles: ['school'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s))}/seen`).set(auth).send({}),
  },
  {
    route: 'POST /alerts/:id/notes',
    roles: ['admin', 'operator', 'school'],
    ok: 200,
    run: async ({ t, auth, fresh }, s) => t.http.post(`/alerts/${enc(await fresh.alert(s))}/notes`).set(auth).send({ note: 'called the grid worker' }),
  },
  { route: 'GET /cameras', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/cameras').set(auth) },
  { route: 'GET /cameras/unanalysed', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/cameras/unanalysed').set(auth) },
  { route: 'GET /cameras/:id', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}`).set(auth) },
  { route: 'GET /cameras/:id/nearby', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/nearby`).set(auth) },
  { route: 'GET /cameras/:id/zones', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/zones`).set(auth) },
  { route: 'GET /cameras/:id/rules', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/rules`).set(auth) },
  // The world's cameras are not reachable: a visible camera answers 404 "gave no picture", like a hidden one.
  { route: 'GET /cameras/:id/frame', roles: ALL, ok: 404, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/frame`).set(auth) },
  { route: 'GET /cameras/:id/live', roles: ALL, ok: 200, run: ({ t, auth }, s) => t.http.get(`/cameras/${CAMERA[s]}/live`).set(auth) },
  {
    route: 'POST /cameras',
    roles: WRITERS,
    ok: 201,
    visible: holds,
    hidden: 400,
    run: ({ t, auth }, s) => t.http.post('/cameras').set(auth).send({ id: next('new-cam'), url: 'rtsp://10.9.9.9/main', regionId: VILLAGE[s] }),
  },
  {
    route: 'PATCH /cameras/:id',
    roles: WRITERS,
    ok: 200,
    edits: true,
    run: async ({ t, auth, fresh }, s) => t.http.patch(`/cameras/${await fresh.camera(s)}`).set(auth).send({ name: 'renamed', fps: 3 }),
  },
  {
    route: 'PUT /cameras/:id/zones',
    roles: WRITERS,
    ok: 200,
    edits: true,
    run: async ({ t, auth, fresh }, s) =>
      t.http.put(`/cameras/${await fresh.camera(s)}/zones`).set(auth).send({ zones: [{ id: 'bank', type: 'generic', polygon: [[0, 0], [1, 0], [1, 1]] }] }),
  },
  {
    route: 'PUT /cameras/:id/rules',
    roles: WRITERS,
    ok: 200,
    edits: true,
    run: async ({ t, auth, fresh }, s) => t.http.put(`/cameras/${await fresh.camera(s)}/rules`).set(auth).send({ rules: [{ id: 'dark', type: 'camera_covered' }] }),
  },
  { route: 'DELETE /cameras/:id', roles: WRITERS, ok: 204, edits: true, run: async ({ t, auth, fresh }, s) => t.http.delete(`/cameras/${await fresh.camera(s)}`).set(auth) },
  // Reports: every role, over its own scope; a region outside it (any region, for a school) is 404.
  {
    route: 'GET /reports/alerts',
    roles: ALL,
    ok: 200,
    visible: holdsRegion,
    run: ({ t, auth }, s) => t.http.get('/reports/alerts').query({ region: VILLAGE[s] }).set(auth),
  },
  { route: 'GET /reports/alerts.csv', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/reports/alerts.csv').set(auth) },
  // Maintenance windows: writers in scope; each case sets a window and ends it again.
  {
    route: 'PUT /cameras/:id/maintenance',
    roles: WRITERS,
    ok: 200,
    edits: true,
    run: ({ t, auth }, s) => t.http.put(`/cameras/${CAMERA[s]}/maintenance`).set(auth).send({ minutes: 5, note: 'matrix' }),
  },
  { route: 'DELETE /cameras/:id/maintenance', roles: WRITERS, ok: 204, edits: true, run: ({ t, auth }, s) => t.http.delete(`/cameras/${CAMERA[s]}/maintenance`).set(auth) },
  { route: 'GET /regions', roles: ALL, ok: 200, visible: always, run: ({ t, auth }) => t.http.get('/regions').set(auth) },
  {
    route: 'GET /regions/:id',
    roles: ALL,
    ok: 200,
    // Schools are scoped by cameras only: no region is theirs.
    visible: holdsRegion,
    run: ({ t, auth }, s) => t.http.get(`/regions/${VILLAGE[s]}`).set(auth),
  },
  {
    route: 'POST /regions',
    roles: ['admin'],
    ok: 201,
    run: ({ t, auth }, s) => t.http.post('/regions').set(auth).send({ id: next('reg'), name: 'New village', level: 'village', parentId: s === 'in' ? 'town-a1' : 'town-b1' }),
  },
  { route: 'PATCH /regions/:id', roles: ['admin'], ok: 200, run: ({ t, auth }, s) => t.http.patch(`/regions/${VILLAGE[s]}`).set(auth).send({ name: `Village ${s}` }) },
  { route: 'DELETE /regions/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/regions/${await fresh.region()}`).set(auth) },
  { route: 'GET /users', roles: ['admin'], ok: 200, run: ({ t, auth }) => t.http.get('/users').set(auth) },
  { route: 'GET /users/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.get(`/users/${await fresh.userId('op-b')}`).set(auth) },
  {
    route: 'POST /users',
    roles: ['admin'],
    ok: 201,
    run: ({ t, auth }) => t.http.post('/users').set(auth).send({ username: next('user'), password: 'long-enough-pw', role: 'viewer', regionIds: ['county-b'] }),
  },
  { route: 'PATCH /users/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.patch(`/users/${await fresh.user()}`).set(auth).send({ displayName: 'Renamed' }) },
  { route: 'DELETE /users/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/users/${await fresh.user()}`).set(auth) },
  { route: 'GET /api-keys', roles: ['admin'], ok: 200, run: ({ t, auth }) => t.http.get('/api-keys').set(auth) },
  { route: 'POST /api-keys', roles: ['admin'], ok: 201, run: ({ t, auth }) => t.http.post('/api-keys').set(auth).send({ name: next('key'), role: 'viewer', regionIds: ['city'] }) },
  { route: 'PATCH /api-keys/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.patch(`/api-keys/${await fresh.apiKey()}`).set(auth).send({ name: next('renamed') }) },
  { route: 'DELETE /api-keys/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/api-keys/${await fresh.apiKey()}`).set(auth) },
  { route: 'GET /webhooks', roles: ['admin'], ok: 200, run: ({ t, auth }) => t.http.get('/webhooks').set(auth) },
  {
    route: 'POST /webhooks',
    roles: ['admin'],
    ok: 201,
    run: ({ t, auth }, s) => t.http.post('/webhooks').set(auth).send({ name: next('hook'), url: 'http://127.0.0.1:2/hook', regionIds: [VILLAGE[s]] }),
  },
  { route: 'GET /webhooks/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.get(`/webhooks/${await fresh.webhook()}`).set(auth) },
  { route: 'PATCH /webhooks/:id', roles: ['admin'], ok: 200, run: async ({ t, auth, fresh }) => t.http.patch(`/webhooks/${await fresh.webhook()}`).set(auth).send({ enabled: false }) },
  { route: 'DELETE /webhooks/:id', roles: ['admin'], ok: 204, run: async ({ t, auth, fresh }) => t.http.delete(`/webhooks/${await fresh.webhook()}`).set(auth) },
  {
    route: 'GET /webhooks/:id/deliveries',
    roles: ['admin'],
    ok: 200,
    run: async ({ t, auth, fresh }) => t.http.get(`/webhooks/${await fresh.webhook()}/deliveries`).set(auth),
  },
  {
    route: 'GET /webhooks/:id/dead-letters',
    roles: ['admin'],
    ok: 200,
    run: async ({ t, auth, fresh }) => t.http.get(`/webhooks/${await fresh.webhook()}/dead-letters`).set(auth),
  },
  {
    route: 'POST /webhooks/:id/test',
    roles: ['admin'],
    ok: 200,
    run: async ({ t, auth, fresh }) => t.http.post(`/webhooks/${await fresh.webhook()}/test`).set(auth).send({}),
  },
  {
    route: 'POST /webhooks/:id/dead-letters/redeliver',
    roles: ['admin'],
    ok: 200,
    run: async ({ t, auth, fresh }) => t.http.post(`/webhooks/${await fresh.webhook()}/dead-letters/redeliver`).set(auth).send({}),
  },
];

function expected(c: Case, caller: Caller | null, scope: Scope): number {
  if (c.roles === 'public') return c.ok;
  if (!caller) return 401;
  if (!c.roles.includes(caller.role)) return 403;
  const visible = c.visible ? c.visible(caller, scope) : caller.sees[scope];
  if (!visible) return c.hidden ?? 404;
  return c.edits && !holds(caller, scope) ? 403 : c.ok;
}

describe.each(DATABASE_KINDS)('authorization matrix on %s', (kind) => {
  let t: TestApp;
  let fresh: Fixtures;
  let evidenceDir: string;
  const bodies: string[] = [];
  const tokens: Record<string, string> = {};
  /** Users granted cam-b by id: every fresh "out" camera is granted to them too (see fresh.camera). */
  const granteesOfOut: string[] = [];

  beforeAll(async () => {
    evidenceDir = mkdtempSync(path.join(tmpdir(), 'xl-matrix-evidence-'));
    t = await startTestApp(kind, { XL_TEST_DOCS: '1' }, { evidence: loadEvidenceOptions({ EVIDENCE_DIR: evidenceDir }) });
    await createWorld(t);
    const admin = { Authorization: `Bearer ${await t.token('admin')}` };
    for (const caller of CALLERS) {
      if (caller.newUser) {
        const { username } = caller.newUser;
        const created = await t.http.post('/users').set(admin).send({ ...caller.newUser, password: `${username}-password` }).expect(201);
        if (caller.newUser.cameraIds?.includes(CAMERA.out)) granteesOfOut.push(created.body.id);
        tokens[caller.name] = await t.token(username);
      } else if (caller.user) tokens[caller.name] = await t.token(caller.user);
      else tokens[caller.name] = (await t.http.post('/api-keys').set(admin).send({ name: caller.name, ...caller.apiKey }).expect(201)).body.key;
    }
    const intake = t.app.get(AlertIntakeService);
    mkdirSync(path.join(t.snapshotDir, 'm'), { recursive: true });
    writeFileSync(path.join(t.snapshotDir, 'm', 's.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const withEvidence = new Map<Scope, string>();
    fresh = {
      async alertWithEvidence(scope) {
        const known = withEvidence.get(scope);
        if (known) return known;
        const alertId = await fresh.alert(scope);
        // Where ingest writes them: alerts-api refuses a result naming other files.
        const clipPath = evidenceClipPath(CAMERA[scope], alertId);
        const snapshotPath = evidenceSnapshotPath(CAMERA[scope], alertId);
        for (const rel of [clipPath, snapshotPath]) {
          mkdirSync(path.dirname(path.join(evidenceDir, rel)), { recursive: true });
          writeFileSync(path.join(evidenceDir, rel), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
        }
        await t.app.get(EvidenceService).apply({
          alertId, cameraId: CAMERA[scope], status: 'complete', clipPath, snapshotPath,
          requestedFrom: 1, requestedTo: 20_001, clipFrom: 1, clipTo: 20_001, bytes: 8, ingestId: 'matrix', at: Date.now(),
        });
        withEvidence.set(scope, alertId);
        return alertId;
      },
      async alert(scope, state = 'open', snapshot = false) {
        const event = alertEvent({ cameraId: CAMERA[scope], ...(snapshot ? { snapshotPath: 'm/s.jpg' } : {}) });
        await intake.consume(event);
        if (state === 'acknowledged') await t.http.post(`/alerts/${enc(event.alertId)}/acknowledge`).set(admin).send({}).expect(200);
        return event.alertId;
      },
      async camera(scope) {
        const id = next('cam');
        await t.http.post('/cameras').set(admin).send({ id, url: `rtsp://u:${CAMERA_PASSWORD}@10.1.1.1/x`, regionId: VILLAGE[scope] }).expect(201);
        // So that a write by whoever watches cam-b by id meets the grant (403), not a camera they cannot see (404).
        if (scope === 'out') {
          for (const userId of granteesOfOut) {
            const { cameraIds } = (await t.http.get(`/users/${userId}`).set(admin).expect(200)).body as { cameraIds: string[] };
            await t.http.patch(`/users/${userId}`).set(admin).send({ cameraIds: [...cameraIds, id] }).expect(200);
          }
        }
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
      async webhook() {
        const res = await t.http.post('/webhooks').set(admin).send({ name: next('hook'), url: 'http://127.0.0.1:2/hook' }).expect(201);
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
    if (evidenceDir) rmSync(evidenceDir, { recursive: true, force: true });
  });

  it('has a policy entry for every route the app serves, and no entry for a route it does not serve', () => {
    const served = servedRoutes(t.app);
    const listed = new Set(CASES.map((c) => c.route));
    const unlisted = served.filter((r) => !listed.has(r));
    if (unlisted.length) {
      throw new Error(`routes without an authorization-matrix entry (add each to CASES in security/authorization-matrix.int.spec.ts): ${unlisted.join(', ')}`);
    }
    expect(CASES.map((c) => c.route).filter((r) => !served.includes(r))).toEqual([]);
  });

  it.each(CASES.map((c) => [c.route, c] as const))('%s', async (_route, c) => {
    const actual: Record<string, number> = {};
    const wanted: Record<string, number> = {};
    for (const caller of CALLERS) {
      for (const scope of ['in', 'out'] as const) {
        const res = await c.run({ t, auth: { Authorization: `Bearer ${tokens[caller.name]}` }, fresh }, scope);
        bodies.push(res.text ?? '');
        actual[`${caller.name}/${scope}`] = res.status;
        wanted[`${caller.name}/${scope}`] = expected(c, caller, scope);
      }
    }
    const anonymous = await c.run({ t, auth: {}, fresh }, 'in');
    actual.anonymous = anonymous.status;
    wanted.anonymous = expected(c, null, 'in');
    expect(actual).toEqual(wanted);
  });

  it('never returned a camera password in any of those responses', () => {
    expect(bodies.length).toBeGreaterThanOrEqual(CASES.length * CALLERS.length * 2);
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
    // Re-scoped in place (the device keeps its secret); the next request already sees the new scope.
    const inAlert = await fresh.alert('in');
    const moved = await t.http.patch(`/api-keys/${created.body.id}`).set(admin).send({ name: 'county B dashboard', regionIds: ['county-b'] });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ name: 'county B dashboard', role: 'operator', regionIds: ['county-b'] });
    expect(moved.body.key).toBeUndefined();
    expect((await t.http.get(`/alerts/${enc(inAlert)}`).set(key)).status).toBe(404);
    expect((await t.http.get('/auth/me').set(key)).body).toMatchObject({ name: 'county B dashboard', regionIds: ['county-b'] });
    expect((await t.http.patch(`/api-keys/${created.body.id}`).set(admin).send({ role: 'admin' })).status).toBe(400);
    expect((await t.http.patch(`/api-keys/${created.body.id}`).set(admin).send({ cameraIds: ['nowhere'] })).status).toBe(400);
    expect((await t.http.patch('/api-keys/missing').set(admin).send({ name: 'x' })).status).toBe(404);
    await t.http.delete(`/api-keys/${created.body.id}`).set(admin).expect(204);
    expect((await t.http.get('/auth/me').set(key)).status).toBe(401);
    expect((await t.http.patch(`/api-keys/${created.body.id}`).set(admin).send({ name: 'x' })).status).toBe(409);
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

  it('counts a try before checking its password: parallel guesses get no more than the limit', async () => {
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const id = await fresh.user();
    const username = ((await t.http.get('/users').set(admin)).body.items as { id: string; username: string }[]).find((u) => u.id === id)!.username;
    const guesses = await Promise.all(Array.from({ length: 4 * t.settings.loginMaxFailures }, (_, i) => t.http.post('/auth/login').send({ username, password: `guess-${i}` })));
    const statuses = guesses.map((g) => g.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(t.settings.loginMaxFailures);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3 * t.settings.loginMaxFailures);
    expect((await t.http.post('/auth/login').send({ username, password: 'long-enough-pw' })).status).toBe(429);
  });

  it('renews a sign-in: a new token for the same session, until the session is SESSION_MAX_SECONDS old', async () => {
    const login = (await t.http.post('/auth/login').send({ username: 'viewer-a', password: 'viewer-a-password' }).expect(200)).body;
    expect(login.sessionExpiresAt - Date.now()).toBeGreaterThan(t.settings.sessionMaxSeconds * 1000 - 60_000);
    await new Promise((r) => setTimeout(r, 1100)); // a new iat: the renewed token differs
    const renewed = await t.http.post('/auth/refresh').set({ Authorization: `Bearer ${login.accessToken}` });
    expect(renewed.status).toBe(200);
    expect(renewed.body.accessToken).not.toBe(login.accessToken);
    expect(renewed.body.expiresAt).toBeGreaterThan(login.expiresAt);
    expect(renewed.body.sessionExpiresAt).toBe(login.sessionExpiresAt);
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${renewed.body.accessToken}` })).body).toMatchObject({ kind: 'user', role: 'viewer' });

    // The same secret signs what the API would have issued earlier: a session begun 31 days ago ends
    // however fresh its token; an expired token renews while its session lasts (a PC that slept), not
    // past the session's end.
    const tokens = new AccessTokens(t.settings.jwtSecret, t.settings.jwtTtlSeconds);
    const day = 86_400_000;
    const old = await tokens.issue(login.user.id, Date.now(), Date.now() - 31 * day);
    const refused = await t.http.post('/auth/refresh').set({ Authorization: `Bearer ${old.token}` });
    expect([refused.status, refused.body.message]).toEqual([401, 'session ended (SESSION_MAX_SECONDS); sign in again']);
    const expired = await tokens.issue(login.user.id, Date.now() - 9 * 3600_000);
    expect((await t.http.post('/auth/refresh').set({ Authorization: `Bearer ${expired.token}` })).status).toBe(200);
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${expired.token}` })).status).toBe(401);
    const pastSession = await tokens.issue(login.user.id, Date.now() - 9 * 3600_000, Date.now() - 31 * day);
    expect((await t.http.post('/auth/refresh').set({ Authorization: `Bearer ${pastSession.token}` })).status).toBe(401);
    // A renewal never outlives its session.
    const late = await tokens.issue(login.user.id, Date.now(), Date.now() - 30 * day + 3600_000);
    const last = await t.http.post('/auth/refresh').set({ Authorization: `Bearer ${late.token}` }).expect(200);
    expect(last.body.expiresAt).toBeLessThanOrEqual(last.body.sessionExpiresAt);
    expect(last.body.sessionExpiresAt - Date.now()).toBeLessThan(3600_000 + 5_000);
  });

  it('changes a password: the sign-ins made with the old one end, the caller gets a new one, guesses are rate-limited', async () => {
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const id = await fresh.user();
    const username = ((await t.http.get('/users').set(admin)).body.items as { id: string; username: string }[]).find((u) => u.id === id)!.username;
    const signIn = async (password: string) => (await t.http.post('/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
    const me = async (token: string) => (await t.http.get('/auth/me').set({ Authorization: `Bearer ${token}` })).status;
    const phone = await signIn('long-enough-pw'); // another device, or whoever learnt the password
    const desk = await signIn('long-enough-pw');
    // No pause: a sign-in made milliseconds before the change (in the same second) ends with it too.
    const change = (token: string, body: object) => t.http.post('/auth/password').set({ Authorization: `Bearer ${token}` }).send(body);
    const wrong = await change(desk, { currentPassword: 'not-the-password', newPassword: 'a-new-password-1' });
    expect([wrong.status, wrong.body.message]).toEqual([403, 'the current password is wrong']);
    expect((await change(desk, { currentPassword: 'long-enough-pw', newPassword: 'long-enough-pw' })).status).toBe(400);
    const changed = await change(desk, { currentPassword: 'long-enough-pw', newPassword: 'a-new-password-1' });
    expect(changed.status).toBe(200);
    expect(changed.body.user).toMatchObject({ id, username });
    expect(changed.body.user).not.toHaveProperty('passwordChangedAt');
    expect(await me(changed.body.accessToken)).toBe(200); // the caller stays signed in
    expect(await me(phone)).toBe(401); // every sign-in made with the old password has ended
    expect(await me(desk)).toBe(401);
    expect((await t.http.post('/auth/login').send({ username, password: 'long-enough-pw' })).status).toBe(401);
    const current = await signIn('a-new-password-1');
    // An admin setting a password ends the user's sign-ins just the same, however recent.
    await t.http.patch(`/users/${id}`).set(admin).send({ password: 'set-by-the-admin-1' }).expect(200);
    expect(await me(current)).toBe(401);
    expect(await me(changed.body.accessToken)).toBe(401);
    // Guessing the current password through here counts like failed logins.
    const fresh2 = await signIn('set-by-the-admin-1');
    for (let i = 0; i < t.settings.loginMaxFailures; i++) expect((await change(fresh2, { currentPassword: `guess-${i}`, newPassword: 'a-new-password-2' })).status).toBe(403);
    const locked = await change(fresh2, { currentPassword: 'set-by-the-admin-1', newPassword: 'a-new-password-2' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // An API key has no password to change.
    const key = (await t.http.post('/api-keys').set(admin).send({ name: next('key'), role: 'viewer', regionIds: ['town-a1'] }).expect(201)).body.key;
    expect((await change(key, { currentPassword: 'whatever', newPassword: 'a-new-password-3' })).status).toBe(400);
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

  it('ends the sign-ins of a disabled user for good: re-enabled, the old token stays refused and is not renewed', async () => {
    const admin = { Authorization: `Bearer ${tokens.admin}` };
    const id = await fresh.user();
    const username = ((await t.http.get('/users').set(admin)).body.items as { id: string; username: string }[]).find((u) => u.id === id)!.username;
    const signIn = async () => (await t.http.post('/auth/login').send({ username, password: 'long-enough-pw' }).expect(200)).body.accessToken as string;
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const leaked = await signIn(); // say, copied off a shared screen: the reason for disabling the user
    expect((await t.http.get('/auth/me').set(bearer(leaked))).status).toBe(200);
    await t.http.patch(`/users/${id}`).set(admin).send({ disabled: true }).expect(200);
    // No pause: a re-enable in the same second must not bring the token back either.
    const reenabled = await t.http.patch(`/users/${id}`).set(admin).send({ disabled: false }).expect(200);
    expect(reenabled.body).toMatchObject({ id, disabled: false });
    expect(reenabled.body).not.toHaveProperty('passwordChangedAt');
    expect((await t.http.get('/auth/me').set(bearer(leaked))).status).toBe(401);
    expect((await t.http.post('/auth/refresh').set(bearer(leaked))).status).toBe(401);
    // The user signs in again with the same password, and that sign-in lasts.
    const again = await signIn();
    expect((await t.http.get('/auth/me').set(bearer(again))).body).toMatchObject({ kind: 'user', id });
    expect((await t.http.post('/auth/refresh').set(bearer(again))).status).toBe(200);
    // Only disabling ends sign-ins: other edits, and re-sending disabled: false, leave the new one alone.
    await t.http.patch(`/users/${id}`).set(admin).send({ displayName: 'Renamed', disabled: false }).expect(200);
    expect((await t.http.get('/auth/me').set(bearer(again))).status).toBe(200);
  });
});
