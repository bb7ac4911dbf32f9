import '../testing/nest-esm';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { startListeningApi, type ListeningApi } from '../security/testing/listening-api';
import { alertEvent } from '../testing/alert-events';
import { TestPushClient } from './testing/ws-client';

// A school's scope widened while its alarm screen is connected: the admin gives the school its new
// pond camera (a replacement, or a second pond). The REST API shows the new camera's alerts at once;
// the open WebSocket applies the new scope only at its next credential re-check (reverifyMs, 60 s in
// production, 3 s here) — and what the new camera raised before that re-check was never delivered,
// nor was the client told to reload (resync_required) until 2026-12-03. A reconnecting client gets
// it in its replay.
describe('a scope changed on an open push connection (real Redis, SQLite)', () => {
  let env: ListeningApi;
  const clients: TestPushClient[] = [];

  beforeAll(async () => {
    env = await startListeningApi({ realtime: { heartbeatMs: 100, reverifyMs: 3000 } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await env?.close();
  });

  it("asks the open screen to reload at its re-check, so that the drowning its newly granted camera raised meanwhile is shown", async () => {
    const admin = { Authorization: `Bearer ${await env.api.world.token('admin')}` };
    const school = (await env.api.world.http.post('/users').set(admin).send({ username: 'widened-school', password: 'widened-school-password', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201)).body;
    const token = await env.api.world.token('widened-school');
    const screen = await TestPushClient.connect(env.api.wsUrl, token);
    clients.push(screen);
    await screen.waitFor('hello', () => screen.messages.some((m) => m.type === 'hello'));
    const connectedAt = Date.now();

    // The admin gives the school the river-bend pond camera as well.
    await env.api.world.http.patch(`/users/${school.id}`).set(admin).send({ cameraIds: ['cam-a', 'cam-b'], waters: ['cam-a/pond'] }).expect(200);
    // A child goes under at cam-b's pond a moment later: the drowning is raised critical.
    const drowning = alertEvent({ cameraId: 'cam-b', zoneId: 'pond', ruleId: 'pond.vanish', rule: 'vanish_in_water', severity: 'critical', message: 'person last seen in pond 3 s ago: possible drowning', startedAt: Date.now() - 5000 });
    await env.api.app.get(AlertIntakeService).consume(drowning);
    expect(Date.now() - connectedAt).toBeLessThan(2000); // before the connection's first re-check

    // REST already shows it to the school.
    const listed = await env.api.world.http.get('/alerts').query({ camera: 'cam-b' }).set({ Authorization: `Bearer ${token}` }).expect(200);
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([drowning.alertId]);

    // Wait past the re-check (3 s after connecting, at most) and a little more.
    await new Promise((r) => setTimeout(r, 4500 - (Date.now() - connectedAt)));
    // A screen that happened to reconnect meanwhile (lastSeq from before) does get it in its replay.
    const hello = screen.messages.find((m) => m.type === 'hello')?.seq as number;
    const resumed = await TestPushClient.connect(env.api.wsUrl, token, { lastSeq: hello });
    clients.push(resumed);
    await resumed.waitFor('the replayed drowning', () => resumed.events.some((m) => m.data?.id === drowning.alertId), 10_000);

    // The open screen is told to reload (REST shows the drowning) at its re-check. Before: nothing,
    // neither the event nor resync_required — the drowning never reached the school's alarm screen.
    await screen.waitFor('resync_required', () => screen.messages.some((m) => m.type === 'resync_required'), 5000);
    const resync = screen.messages.find((m) => m.type === 'resync_required');
    expect(resync?.seq).toBeGreaterThanOrEqual(hello);
  }, 60_000);
});

// The same at the moment of the admin's change: the instance that wrote it announces it, and every
// instance's open connections of that user or key check their credential again at once. Before, the
// periodic re-check (60 s here as in production) was the only one.
describe("a user or API key changed by an admin, or a user's own password, on open push connections (real Redis, SQLite)", () => {
  let env: ListeningApi;
  const clients: TestPushClient[] = [];

  beforeAll(async () => {
    env = await startListeningApi({ realtime: { heartbeatMs: 100, reverifyMs: 60_000 } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await env?.close();
  });

  const connect = async (token: string) => {
    const client = await TestPushClient.connect(env.api.wsUrl, token);
    clients.push(client);
    await client.waitFor('hello', () => client.messages.some((m) => m.type === 'hello'));
    return client;
  };

  it("shows a school's newly granted camera's drowning at once: live, or by a reload it is told to make", async () => {
    const admin = { Authorization: `Bearer ${await env.api.world.token('admin')}` };
    const school = (await env.api.world.http.post('/users').set(admin).send({ username: 'granted-school', password: 'granted-school-password', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201)).body;
    const screen = await connect(await env.api.world.token('granted-school'));
    await env.api.world.http.patch(`/users/${school.id}`).set(admin).send({ cameraIds: ['cam-a', 'cam-b'], waters: ['cam-a/pond'] }).expect(200);
    const drowning = alertEvent({ cameraId: 'cam-b', zoneId: 'pond', ruleId: 'pond.vanish', rule: 'vanish_in_water', severity: 'critical', message: 'person last seen in pond 3 s ago: possible drowning', startedAt: Date.now() - 5000 });
    await env.api.app.get(AlertIntakeService).consume(drowning);
    await screen.waitFor('the drowning or resync_required', () => screen.events.some((m) => m.data?.id === drowning.alertId) || screen.messages.some((m) => m.type === 'resync_required'), 2000);
  }, 30_000);

  it("closes a disabled user's open screen at once, and a revoked key's alarm box", async () => {
    const admin = { Authorization: `Bearer ${await env.api.world.token('admin')}` };
    const user = (await env.api.world.http.post('/users').set(admin).send({ username: 'leaving-operator', password: 'leaving-operator-password', role: 'operator', regionIds: ['city'] }).expect(201)).body;
    const screen = await connect(await env.api.world.token('leaving-operator'));
    const key = (await env.api.world.http.post('/api-keys').set(admin).send({ name: 'old alarm box', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201)).body;
    const box = await connect(key.key);

    await env.api.world.http.patch(`/users/${user.id}`).set(admin).send({ disabled: true }).expect(200);
    await screen.waitForClose(2000);
    expect(screen.closeCode).toBe(4401);
    await env.api.world.http.delete(`/api-keys/${key.id}`).set(admin).expect(204);
    await box.waitForClose(2000);
    expect(box.closeCode).toBe(4401);
  }, 30_000);

  // A user's own password change (it leaked): their other sign-ins end at once, their open screens
  // too. Before, only an admin's change was announced: the other screens kept receiving alerts until
  // their connection's periodic re-check.
  const signIn = async (username: string, password: string) =>
    (await env.api.world.http.post('/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("closes the user's other screens at once (4401) and answers the changing one first, whose new sign-in keeps working", async () => {
    const admin = as(await env.api.world.token('admin'));
    await env.api.world.http.post('/users').set(admin).send({ username: 'leaked-operator', password: 'leaked-password-1', role: 'operator', regionIds: ['city'] }).expect(201);
    const office = await signIn('leaked-operator', 'leaked-password-1');
    const stolen = await signIn('leaked-operator', 'leaked-password-1'); // whoever read the password
    const officeScreen = await connect(office);
    const stolenScreen = await connect(stolen);

    let answeredAt = 0;
    let officeClosedAt = 0;
    officeScreen.ws.once('close', () => (officeClosedAt = performance.now()));
    const changed = await env.api.world.http.post('/auth/password').set(as(office)).send({ currentPassword: 'leaked-password-1', newPassword: 'fresh-password-2' }).expect(200);
    answeredAt = performance.now();

    await stolenScreen.waitForClose(2000); // before: open until its re-check, 60 s later
    expect(stolenScreen.closeCode).toBe(4401);
    expect((await env.api.world.http.get('/auth/me').set(as(stolen))).status).toBe(401);
    // The changing screen's old token ended too, but only after its answer (with the new token)
    // arrived: the console takes the new token before the old socket's 4401, which it then ignores.
    await officeScreen.waitForClose(2000);
    expect(officeScreen.closeCode).toBe(4401);
    expect(officeClosedAt).toBeGreaterThan(answeredAt);
    const renewed = changed.body.accessToken as string;
    expect((await env.api.world.http.get('/auth/me').set(as(renewed))).status).toBe(200);
    const reopened = await connect(renewed);
    await new Promise((r) => setTimeout(r, 300));
    expect(reopened.closeCode).toBeUndefined();
  }, 30_000);
});

// The periodic re-check is timed on the monotonic clock: on the wall clock, a step back of the API
// host (NTP, a VM resume) by an hour checked no open connection's credential for that hour, and a
// key revoked without an announcement (written straight to the database) kept receiving pushes.
describe('the periodic credential re-check across a step back of the host clock (real Redis, SQLite)', () => {
  let env: ListeningApi;
  let box: TestPushClient | undefined;

  beforeAll(async () => {
    env = await startListeningApi({ realtime: { heartbeatMs: 100, reverifyMs: 1000 } });
  });
  afterAll(async () => {
    box?.close();
    await env?.close();
  });

  it("closes a revoked key's connection at its next re-check although the wall clock went back an hour", async () => {
    const admin = { Authorization: `Bearer ${await env.api.world.token('admin')}` };
    const key = (await env.api.world.http.post('/api-keys').set(admin).send({ name: 'stepped alarm box', role: 'school', cameraIds: ['cam-a'], waters: ['cam-a/pond'] }).expect(201)).body;
    box = await TestPushClient.connect(env.api.wsUrl, key.key);
    await box.waitFor('hello', () => box!.messages.some((m) => m.type === 'hello'));
    const wall = Date.now.bind(Date);
    const stepped = jest.spyOn(Date, 'now').mockImplementation(() => wall() - 3_600_000);
    try {
      await env.api.app.get(ApiKeysRepository).revoke(key.id, wall());
      await box.waitForClose(4000);
      expect(box.closeCode).toBe(4401);
    } finally {
      stepped.mockRestore();
    }
  }, 30_000);
});
