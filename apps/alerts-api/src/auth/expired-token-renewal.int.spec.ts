import '../testing/nest-esm';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { Clock } from '../common/clock';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { AccessTokens } from './access-tokens';

const HOUR = 3_600_000;
const SESSION_MAX_SECONDS = 24 * 3600;

/** The API's clock, moved by the test: a sign-in made "9 h ago" gets a token that has run out by now. */
class MovableClock extends Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

// A PC that slept past its token's end (hardening note 7 of the 2026-12-03 review) renews the expired
// token on waking, while its session lasts — and no longer, nor for a disabled user, nor across a
// password change; no other route takes the expired token.
describe.each(DATABASE_KINDS)('POST /auth/refresh with an expired token (%s)', (kind) => {
  let t: TestApp;
  const clock = new MovableClock();
  let admin: { Authorization: string };
  let serial = 0;

  beforeAll(async () => {
    t = await startTestApp(kind, { SESSION_MAX_SECONDS: String(SESSION_MAX_SECONDS) }, { clock });
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    await t.http.post('/regions').set(admin).send({ id: 'city', name: 'City', level: 'city', parentId: null }).expect(201);
  });
  afterAll(() => t?.close());
  afterEach(() => (clock.offsetMs = 0));

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const refresh = (token: string) => t.http.post('/auth/refresh').set(bearer(token));
  /** A token signed with the API's secret, issuer and audience, with the given claims, valid an hour from `iat`. */
  const signed = (claims: Record<string, unknown>, subject: string, iat: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(subject)
      .setIssuer('xueliang-alerts-api')
      .setAudience('xueliang')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(createSecretKey(Buffer.from(t.settings.jwtSecret, 'utf8')));

  async function newUser(): Promise<{ id: string; username: string; password: string }> {
    const username = `sleeper-${++serial}`;
    const password = 'sleeper-password-1';
    const res = await t.http.post('/users').set(admin).send({ username, password, role: 'operator', regionIds: ['city'] }).expect(201);
    return { id: res.body.id as string, username, password };
  }

  /** Signs in `hoursAgo` hours ago on the API's clock: with the 8-h default lifetime, 9 h ago has run out. */
  async function signInAgo(user: { username: string; password: string }, hoursAgo: number) {
    clock.offsetMs = -hoursAgo * HOUR;
    try {
      const res = await t.http.post('/auth/login').send({ username: user.username, password: user.password }).expect(200);
      return res.body as { accessToken: string; expiresAt: number; sessionExpiresAt: number };
    } finally {
      clock.offsetMs = 0;
    }
  }

  it('renews a token that ran out while its session lasts; the new token works, the session end stays', async () => {
    const user = await newUser();
    const slept = await signInAgo(user, 9);
    expect(slept.expiresAt).toBeLessThan(Date.now());
    expect((await t.http.get('/auth/me').set(bearer(slept.accessToken))).status).toBe(401);

    const renewed = await refresh(slept.accessToken);
    expect(renewed.status).toBe(200);
    expect(renewed.body.expiresAt).toBeGreaterThan(Date.now());
    expect(renewed.body.sessionExpiresAt).toBe(slept.sessionExpiresAt);
    expect((await t.http.get('/auth/me').set(bearer(renewed.body.accessToken)).expect(200)).body).toMatchObject({ kind: 'user', id: user.id });
    expect((await t.http.get('/alerts').set(bearer(renewed.body.accessToken))).status).toBe(200);
  });

  it('refuses the expired token on every other route: it renews, nothing else', async () => {
    const user = await newUser();
    const slept = await signInAgo(user, 9);
    expect((await t.http.get('/alerts').set(bearer(slept.accessToken))).status).toBe(401);
    expect((await t.http.get('/auth/me').set(bearer(slept.accessToken))).status).toBe(401);
    const change = await t.http.post('/auth/password').set(bearer(slept.accessToken)).send({ currentPassword: user.password, newPassword: 'another-password-1' });
    expect(change.status).toBe(401);
    // The renewal's answer, not the expired token, is what the other routes take.
    const renewed = await refresh(slept.accessToken).expect(200);
    expect((await t.http.get('/alerts').set(bearer(renewed.body.accessToken))).status).toBe(200);
    expect((await t.http.get('/alerts').set(bearer(slept.accessToken))).status).toBe(401);
  });

  it("renews an expired token up to its session's end and not after", async () => {
    const user = await newUser();
    const slept = await signInAgo(user, 9);
    // 23 h after the sign-in: an hour of the session left; the new token ends with the session.
    clock.offsetMs = 14 * HOUR;
    const last = await refresh(slept.accessToken);
    expect(last.status).toBe(200);
    expect(last.body.expiresAt).toBeLessThanOrEqual(slept.sessionExpiresAt);
    // 25 h after: the session is over, however the token is presented.
    clock.offsetMs = 16 * HOUR;
    const ended = await refresh(slept.accessToken);
    expect([ended.status, ended.body.message]).toEqual([401, 'missing, invalid or expired credentials']);
    expect(ended.body).not.toHaveProperty('accessToken');
  });

  it('refuses an expired token whose session has ended by the real clock as well', async () => {
    const user = await newUser();
    const tokens = new AccessTokens(t.settings.jwtSecret, t.settings.jwtTtlSeconds);
    // Signed in 25 h ago, renewed 10 h ago (SESSION_MAX_SECONDS is 24 h): an hour past its session.
    const stale = await tokens.issue(user.id, Date.now() - 10 * HOUR, Date.now() - 25 * HOUR);
    expect((await refresh(stale.token)).status).toBe(401);
    // The same session an hour younger renews.
    const ok = await tokens.issue(user.id, Date.now() - 10 * HOUR, Date.now() - 23 * HOUR);
    expect((await refresh(ok.token)).status).toBe(200);
  });

  it('refuses an expired token that does not record when its session began', async () => {
    const user = await newUser();
    const now = Math.floor(Date.now() / 1000);
    // As tokens from before renewal existed were signed: no ssm, no sst.
    const legacy = (iat: number) => signed({ typ: 'access' }, user.id, iat);
    expect((await refresh(await legacy(now - 2 * 3600))).status).toBe(401);
    expect((await refresh(await legacy(now - 60))).status).toBe(200); // unexpired, as before
  });

  it('refuses the expired token of a user disabled meanwhile, even once re-enabled', async () => {
    const user = await newUser();
    const slept = await signInAgo(user, 9);
    await t.http.patch(`/users/${user.id}`).set(admin).send({ disabled: true }).expect(200);
    expect((await refresh(slept.accessToken)).status).toBe(401);
    await t.http.patch(`/users/${user.id}`).set(admin).send({ disabled: false }).expect(200);
    expect((await refresh(slept.accessToken)).status).toBe(401);
  });

  it("refuses an expired token from before the user's password change, or an admin's password set", async () => {
    const user = await newUser();
    const slept = await signInAgo(user, 9);
    const desk = (await t.http.post('/auth/login').send({ username: user.username, password: user.password }).expect(200)).body.accessToken as string;
    await t.http.post('/auth/password').set(bearer(desk)).send({ currentPassword: user.password, newPassword: 'changed-password-1' }).expect(200);
    expect((await refresh(slept.accessToken)).status).toBe(401);

    const other = await newUser();
    const asleep = await signInAgo(other, 9);
    await t.http.patch(`/users/${other.id}`).set(admin).send({ password: 'set-by-the-admin-1' }).expect(200);
    expect((await refresh(asleep.accessToken)).status).toBe(401);
  });

  it('refuses an expired token signed with another secret, or not an access token', async () => {
    const user = await newUser();
    const foreign = await new AccessTokens('another-secret-of-at-least-32-characters!', 3600).issue(user.id, Date.now() - 2 * HOUR, Date.now() - 2 * HOUR);
    expect((await refresh(foreign.token)).status).toBe(401);
    const iat = Math.floor(Date.now() / 1000) - 2 * 3600;
    const notAccess = await signed({ typ: 'refresh', ssm: iat * 1000 }, user.id, iat);
    expect((await refresh(notAccess)).status).toBe(401);
  });
});
