import '../testing/nest-esm';
import { createSecretKey, randomUUID, scryptSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { UsersRepository, type UserWithHash } from '../users/users.repository';
import { DbCredentialVerifier } from './credential-verifier.service';

// A password stored by an earlier version at scrypt N = 2^14, below OWASP's 2^17: a stolen database
// gave up such passwords eight times faster. The first sign-in with it upgrades the stored hash to
// the cost of new ones (PASSWORD_SCRYPT_LOG2_N, the production 17 here), and the user's other
// sign-ins — an alarm screen signed in for weeks — stand: the password is the same.
describe.each(DATABASE_KINDS)('password hash upgrade at sign-in (%s)', (kind) => {
  let t: TestApp;
  let serial = 0;

  beforeAll(async () => {
    t = await startTestApp(kind, { PASSWORD_SCRYPT_LOG2_N: '17' });
  });
  afterAll(() => t?.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const login = (username: string, password: string) => t.http.post('/auth/login').send({ username, password });

  /** A user as an earlier version stored them: hash at N = 2^14, r = 8, p = 1. */
  async function legacyUser(password: string): Promise<UserWithHash> {
    const salt = Buffer.from(randomUUID().slice(0, 16));
    const key = scryptSync(password.normalize('NFKC'), salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const now = Date.now() - 86_400_000;
    const user: UserWithHash = {
      id: randomUUID(),
      username: `legacy-${++serial}`,
      displayName: 'Legacy',
      passwordHash: ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$'),
      role: 'viewer',
      regionIds: [],
      cameraIds: [],
      waters: [],
      disabled: false,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    };
    await t.app.get(UsersRepository).insert(user);
    return user;
  }

  /** A token of the previous version's sign-in: bound to the hash alone (`cfp`), no `cgn`. */
  function previousVersionToken(user: UserWithHash): Promise<string> {
    const iat = Math.floor(Date.now() / 1000) - 60;
    const claims = { typ: 'access', ssm: iat * 1000, sst: iat, cfp: t.app.get(DbCredentialVerifier).fingerprint(user) };
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setIssuer('xueliang-alerts-api').setAudience('xueliang').setIssuedAt(iat).setExpirationTime(iat + 3600).sign(createSecretKey(Buffer.from(t.settings.jwtSecret, 'utf8')));
  }

  /** A token this version issued for `user` as stored then (a sign-in before PASSWORD_SCRYPT_LOG2_N was raised). */
  async function thisVersionToken(user: UserWithHash): Promise<string> {
    const verifier = t.app.get(DbCredentialVerifier);
    return (await verifier.tokens.issue(user.id, Date.now(), Date.now() - 60_000, Infinity, verifier.credentialOf(user))).token;
  }

  it("upgrades a weaker stored hash at the first sign-in with its password, keeping the user's other sign-ins", async () => {
    const user = await legacyUser('legacy-password-1');
    const [screen, tablet] = [await previousVersionToken(user), await thisVersionToken(user)];
    expect((await t.http.get('/auth/me').set(bearer(screen))).status).toBe(200);

    const signedIn = await login(user.username, 'legacy-password-1').expect(200);
    const stored = (await t.app.get(UsersRepository).get(user.id))!;
    const salt = user.passwordHash.split('$')[4];
    expect(stored.passwordHash).toMatch(new RegExp(`^scrypt\\$131072\\$8\\$1\\$${salt}\\$[\\w-]{86}\\$upgraded$`)); // before: the 2^14 hash stayed
    expect([stored.passwordChangedAt, stored.updatedAt]).toEqual([user.passwordChangedAt, user.updatedAt]); // the account is as it was

    // The same password: every sign-in stands, the one that upgraded it and those from before.
    for (const token of [signedIn.body.accessToken as string, screen, tablet]) expect((await t.http.get('/auth/me').set(bearer(token))).status).toBe(200);
    expect((await t.http.post('/auth/refresh').set(bearer(screen))).status).toBe(200);
    await login(user.username, 'legacy-password-1').expect(200); // at the new cost, nothing more to upgrade
    expect((await t.app.get(UsersRepository).get(user.id))!.passwordHash).toBe(stored.passwordHash);

    // A password change still ends them all but the changing one.
    const changed = await t.http.post('/auth/password').set(bearer(signedIn.body.accessToken)).send({ currentPassword: 'legacy-password-1', newPassword: 'legacy-password-2' }).expect(200);
    for (const token of [screen, tablet]) expect((await t.http.get('/auth/me').set(bearer(token))).status).toBe(401);
    expect((await t.http.get('/auth/me').set(bearer(changed.body.accessToken))).status).toBe(200);
    expect((await t.app.get(UsersRepository).get(user.id))!.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
  }, 60_000);

  it('leaves a weaker hash alone on a wrong password', async () => {
    const user = await legacyUser('legacy-password-1');
    expect((await login(user.username, 'not-the-password')).status).toBe(401);
    expect((await t.app.get(UsersRepository).get(user.id))!.passwordHash).toBe(user.passwordHash);
  }, 30_000);

  it('hashes new passwords at PASSWORD_SCRYPT_LOG2_N', async () => {
    const admin = bearer(await t.token('admin'));
    const created = await t.http.post('/users').set(admin).send({ username: 'new-at-17', password: 'new-at-17-password', role: 'viewer', regionIds: [] }).expect(201);
    expect((await t.app.get(UsersRepository).get(created.body.id))!.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
  }, 30_000);
});
