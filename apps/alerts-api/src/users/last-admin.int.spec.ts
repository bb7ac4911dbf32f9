import '../testing/nest-esm';
import { ScopeInputValidator } from '../common/scope-input';
import { ADMIN, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';

// Nobody may lock everyone out: the console has no other way back in than an admin.
describe.each(DATABASE_KINDS)('the last active admin (%s)', (kind) => {
  let t: TestApp;
  let serial = 0;

  beforeEach(async () => {
    t = await startTestApp(kind);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  async function newAdmin(): Promise<{ id: string; auth: { Authorization: string } }> {
    const username = `admin-${++serial}`;
    const res = await t.http.post('/users').set(bearer(await t.token(ADMIN.username))).send({ username, password: `${username}-password`, role: 'admin' }).expect(201);
    return { id: res.body.id as string, auth: bearer(await t.token(username)) };
  }
  /** Two admins, A and B, and the bootstrap admin disabled: exactly two active. */
  async function twoAdmins() {
    const a = await newAdmin();
    const b = await newAdmin();
    const bootstrap = (await t.http.get('/users').set(a.auth).expect(200)).body.items.find((u: { username: string }) => u.username === ADMIN.username);
    await t.http.patch(`/users/${bootstrap.id}`).set(a.auth).send({ disabled: true }).expect(200);
    return { a, b };
  }
  async function activeAdmins(auth: { Authorization: string }): Promise<string[]> {
    const users = (await t.http.get('/users').set(auth).expect(200)).body.items as { id: string; role: string; disabled: boolean }[];
    return users.filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.id);
  }

  it('refuses to disable, demote or delete the last active admin, and an admin acting on themselves', async () => {
    const { a, b } = await twoAdmins();
    const self = await t.http.patch(`/users/${a.id}`).set(a.auth).send({ disabled: true });
    expect([self.status, self.body.message]).toEqual([409, 'you cannot demote, disable or delete yourself']);
    await t.http.patch(`/users/${b.id}`).set(a.auth).send({ role: 'viewer' }).expect(200);
    // B is no admin any more; A, alone, is kept whoever asks (an API key with the admin role, here A itself).
    for (const request of [
      () => t.http.patch(`/users/${a.id}`).set(a.auth).send({ role: 'viewer' }),
      () => t.http.delete(`/users/${a.id}`).set(a.auth),
    ]) {
      expect((await request()).status).toBe(409);
    }
    expect(await activeAdmins(a.auth)).toEqual([a.id]);
  });

  it('keeps one of two admins who disable each other at the same moment', async () => {
    const { a, b } = await twoAdmins();
    // Both requests have read their target and checked its scope before either goes on.
    const scopes = t.app.get(ScopeInputValidator);
    const check = scopes.check.bind(scopes);
    let arrived = 0;
    let release!: () => void;
    const bothArrived = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(scopes, 'check').mockImplementation(async (...args) => {
      if (++arrived === 2) release();
      await bothArrived;
      return check(...args);
    });
    const [aDisablesB, bDisablesA] = await Promise.all([
      t.http.patch(`/users/${b.id}`).set(a.auth).send({ disabled: true }),
      t.http.patch(`/users/${a.id}`).set(b.auth).send({ disabled: true }),
    ]);
    expect([aDisablesB.status, bDisablesA.status].sort()).toEqual([200, 409]);
    const refused = aDisablesB.status === 409 ? aDisablesB : bDisablesA;
    expect(refused.body.message).toBe('this is the last active admin');
    const kept = aDisablesB.status === 200 ? a : b;
    expect(await activeAdmins(kept.auth)).toEqual([kept.id]);
  });

  it('keeps one of two admins who delete each other at the same moment', async () => {
    const { a, b } = await twoAdmins();
    const [aDeletesB, bDeletesA] = await Promise.all([t.http.delete(`/users/${b.id}`).set(a.auth), t.http.delete(`/users/${a.id}`).set(b.auth)]);
    // The one refused is refused as the last admin, or (its caller already deleted) as signed out.
    expect([aDeletesB.status, bDeletesA.status].filter((status) => status === 204)).toHaveLength(1);
    expect([aDeletesB.status, bDeletesA.status].filter((status) => status === 409 || status === 401)).toHaveLength(1);
    const kept = aDeletesB.status === 204 ? a : b;
    expect(await activeAdmins(kept.auth)).toEqual([kept.id]);
  });

  it('deletes a disabled admin while another is active', async () => {
    const { a, b } = await twoAdmins();
    await t.http.patch(`/users/${b.id}`).set(a.auth).send({ disabled: true }).expect(200);
    await t.http.delete(`/users/${b.id}`).set(a.auth).expect(204);
    expect(await activeAdmins(a.auth)).toEqual([a.id]);
  });
});
