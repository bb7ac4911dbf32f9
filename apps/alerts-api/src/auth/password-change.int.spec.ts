import '../testing/nest-esm';
import { ScopeInputValidator } from '../common/scope-input';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { UsersRepository } from '../users/users.repository';
import { LoginRateLimiter } from './login-rate-limiter';

// A password change and an admin's edit of the same user, each landing inside the other's window
// between reading the account and writing it: neither may undo the other.
describe.each(DATABASE_KINDS)('password change racing an admin (%s)', (kind) => {
  let t: TestApp;
  let admin: { Authorization: string };
  let serial = 0;

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    for (const region of [
      { id: 'city', name: 'City', level: 'city', parentId: null },
      { id: 'county-a', name: 'County A', level: 'county', parentId: 'city' },
    ]) {
      await t.http.post('/regions').set(admin).send(region).expect(201);
    }
  });
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  async function newUser(password: string, role = 'operator', regionIds = ['city']): Promise<{ id: string; username: string }> {
    const username = `racer-${++serial}`;
    const res = await t.http.post('/users').set(admin).send({ username, password, role, regionIds }).expect(201);
    return { id: res.body.id as string, username };
  }
  const login = (username: string, password: string) => t.http.post('/auth/login').send({ username, password });
  const signIn = async (username: string, password: string) => (await login(username, password).expect(200)).body.accessToken as string;
  const changePassword = (token: string, currentPassword: string, newPassword: string) =>
    t.http.post('/auth/password').set({ Authorization: `Bearer ${token}` }).send({ currentPassword, newPassword });

  /** The user's own password change, during which (after it read the account, before it writes) the admin applies `patch`. */
  async function changeWhileAdminPatches(user: { id: string; username: string }, token: string, patch: object) {
    const limiter = t.app.get(LoginRateLimiter);
    const take = limiter.take.bind(limiter);
    jest.spyOn(limiter, 'take').mockImplementationOnce(async (ip, username) => {
      await t.http.patch(`/users/${user.id}`).set(admin).send(patch).expect(200);
      return take(ip, username);
    });
    return changePassword(token, 'first-password-1', 'users-new-password-1');
  }

  it('refuses a password change during which the admin disabled the user, who stays disabled', async () => {
    const user = await newUser('first-password-1');
    const res = await changeWhileAdminPatches(user, await signIn(user.username, 'first-password-1'), { disabled: true });
    expect([res.status, res.body.message]).toEqual([401, 'the account was disabled or its password set during this change; sign in again']);
    expect(res.body).not.toHaveProperty('accessToken');
    expect((await t.http.get(`/users/${user.id}`).set(admin).expect(200)).body.disabled).toBe(true);
    expect((await login(user.username, 'first-password-1')).status).toBe(401);
    // Re-enabled, the account still has the password it had: the refused change set nothing.
    await t.http.patch(`/users/${user.id}`).set(admin).send({ disabled: false }).expect(200);
    expect((await login(user.username, 'users-new-password-1')).status).toBe(401);
    expect((await login(user.username, 'first-password-1')).status).toBe(200);
  });

  it('refuses a password change during which the admin set the password, which stays', async () => {
    const user = await newUser('first-password-1');
    const res = await changeWhileAdminPatches(user, await signIn(user.username, 'first-password-1'), { password: 'set-by-the-admin-1' });
    expect(res.status).toBe(401);
    expect(res.body).not.toHaveProperty('accessToken');
    expect((await login(user.username, 'users-new-password-1')).status).toBe(401);
    expect((await login(user.username, 'set-by-the-admin-1')).status).toBe(200);
  });

  it('keeps the role and scope the admin narrowed during a password change', async () => {
    const user = await newUser('first-password-1', 'operator', ['city']);
    const res = await changeWhileAdminPatches(user, await signIn(user.username, 'first-password-1'), { role: 'viewer', regionIds: ['county-a'] });
    expect(res.status).toBe(200);
    expect((await t.http.get(`/users/${user.id}`).set(admin).expect(200)).body).toMatchObject({ role: 'viewer', regionIds: ['county-a'], disabled: false });
    const me = await t.http.get('/auth/me').set({ Authorization: `Bearer ${res.body.accessToken}` }).expect(200);
    expect(me.body).toMatchObject({ role: 'viewer', regionIds: ['county-a'] });
    expect((await login(user.username, 'users-new-password-1')).status).toBe(200);
  });

  it("does not restore the old password when an admin's update races the user's password change", async () => {
    const user = await newUser('first-password-1');
    const token = await signIn(user.username, 'first-password-1');
    let changed: { status: number; body: { accessToken?: string } } | undefined;
    const scopes = t.app.get(ScopeInputValidator);
    const check = scopes.check.bind(scopes);
    // The admin's update has read the user; before it writes, the user changes their password.
    jest.spyOn(scopes, 'check').mockImplementationOnce(async (...args) => {
      changed = await changePassword(token, 'first-password-1', 'users-new-password-1');
      return check(...args);
    });
    const updated = await t.http.patch(`/users/${user.id}`).set(admin).send({ displayName: 'Renamed meanwhile' });
    expect(updated.status).toBe(200);
    expect(changed?.status).toBe(200);
    expect((await login(user.username, 'first-password-1')).status).toBe(401);
    expect((await login(user.username, 'users-new-password-1')).status).toBe(200);
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${changed?.body.accessToken}` })).status).toBe(200);
    expect((await t.http.get(`/users/${user.id}`).set(admin).expect(200)).body.displayName).toBe('Renamed meanwhile');
  });

  // A leaked password: the attacker signs in every few hundred ms; one login lands after the change
  // took its time and while it hashed the new password, and checked the old hash still stored.
  it('ends a login with the old password that read the account while the change hashed the new one', async () => {
    const user = await newUser('first-password-1');
    const victim = await signIn(user.username, 'first-password-1');
    const users = t.app.get(UsersRepository);
    const write = users.changePassword.bind(users);
    let attacker = '';
    jest.spyOn(users, 'changePassword').mockImplementationOnce(async (asRead, hash, changedAt) => {
      attacker = await signIn(user.username, 'first-password-1');
      return write(asRead, hash, changedAt);
    });
    const changed = await changePassword(victim, 'first-password-1', 'users-new-password-1').expect(200);
    expect(attacker).not.toBe('');
    expect((await login(user.username, 'first-password-1')).status).toBe(401);
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });
    expect((await t.http.get('/auth/me').set(as(attacker))).status).toBe(401); // before: 200
    expect((await t.http.post('/auth/refresh').set(as(attacker))).status).toBe(401); // before: 200, renewable for 30 days
    // The sign-in that made the change, and its renewal, stand.
    expect((await t.http.get('/auth/me').set(as(changed.body.accessToken))).status).toBe(200);
    const renewed = await t.http.post('/auth/refresh').set(as(changed.body.accessToken)).expect(200);
    expect((await t.http.get('/auth/me').set(as(renewed.body.accessToken))).status).toBe(200);
  });

  it("ends a login that read the account while an admin's reset of its password was being written", async () => {
    const user = await newUser('first-password-1');
    const users = t.app.get(UsersRepository);
    const update = users.update.bind(users);
    let attacker = '';
    jest.spyOn(users, 'update').mockImplementationOnce(async (...args: Parameters<UsersRepository['update']>) => {
      attacker = await signIn(user.username, 'first-password-1');
      return update(...args);
    });
    await t.http.patch(`/users/${user.id}`).set(admin).send({ password: 'reset-by-admin-1' }).expect(200);
    expect(attacker).not.toBe('');
    expect((await t.http.get('/auth/me').set({ Authorization: `Bearer ${attacker}` })).status).toBe(401);
    expect((await login(user.username, 'reset-by-admin-1')).status).toBe(200);
  });
});
