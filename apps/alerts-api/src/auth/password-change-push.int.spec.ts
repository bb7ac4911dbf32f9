import '../testing/nest-esm';
import { startListeningApi, type ListeningApi } from '../security/testing/listening-api';
import { TestPushClient } from '../realtime/testing/ws-client';

// A user's own password change (it leaked): their other sign-ins end at once, their open screens
// too. Before, only an admin's change was announced: the other screens kept receiving alerts until
// their connection's periodic re-check (60 s here, as in production).
describe("a user's own password change, on open push connections (real Redis, SQLite)", () => {
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
