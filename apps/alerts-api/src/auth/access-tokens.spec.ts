import '../testing/nest-esm';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokens } from './access-tokens';
import { signedInBeforePasswordChange } from './credential-verifier.service';

const SECRET = 'a-test-secret-of-thirty-two-chars!!';
const tokens = new AccessTokens(SECRET, 3600);

/** A token as an earlier API version signed it, with exactly these claims. */
function legacyToken(claims: Record<string, unknown>, iat: number): Promise<string> {
  return new SignJWT({ typ: 'access', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u-1')
    .setIssuer('xueliang-alerts-api')
    .setAudience('xueliang')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(createSecretKey(Buffer.from(SECRET, 'utf8')));
}

describe('AccessTokens', () => {
  it('carries the sign-in time to the millisecond through renewals', async () => {
    const signedIn = Date.now() - 5_432;
    const { token } = await tokens.issue('u-1', Date.now(), signedIn);
    expect(await tokens.session(token)).toEqual({ userId: 'u-1', sessionStartedAt: signedIn });
  });

  it('reads the sign-in time of tokens issued before it was kept to the millisecond', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    expect(await tokens.session(await legacyToken({ sst: nowS - 60 }, nowS))).toEqual({ userId: 'u-1', sessionStartedAt: (nowS - 60) * 1000 });
    // Before renewal existed: the session began when the token was issued.
    expect(await tokens.session(await legacyToken({}, nowS))).toEqual({ userId: 'u-1', sessionStartedAt: nowS * 1000 });
  });

  it('refuses tokens it did not sign, expired ones and other token types', async () => {
    const other = new AccessTokens('another-secret-of-thirty-two-chars', 3600);
    expect(await tokens.session((await other.issue('u-1')).token)).toBeNull();
    expect(await tokens.session((await tokens.issue('u-1', Date.now() - 2 * 3600_000)).token)).toBeNull();
    expect(await tokens.session(await legacyToken({ typ: 'refresh' }, Math.floor(Date.now() / 1000)))).toBeNull();
  });
});

describe('AccessTokens.renewableSession (POST /auth/refresh alone)', () => {
  const hour = 3_600_000;
  it('takes a valid token as session() does, and says it has not expired', async () => {
    const signedIn = Date.now() - 5 * hour;
    const { token } = await tokens.issue('u-1', Date.now(), signedIn);
    expect(await tokens.renewableSession(token, 86_400)).toEqual({ userId: 'u-1', sessionStartedAt: signedIn, expired: false });
  });

  it('takes an expired token that records its sign-in, within the grace only', async () => {
    const signedIn = Date.now() - 9 * hour;
    const { token } = await tokens.issue('u-1', signedIn, signedIn); // ran out 8 h ago
    expect(await tokens.session(token)).toBeNull();
    expect(await tokens.renewableSession(token, 86_400)).toEqual({ userId: 'u-1', sessionStartedAt: signedIn, expired: true });
    expect(await tokens.renewableSession(token, 7 * 3600)).toBeNull();
    // Legacy `sst` records the sign-in too.
    const nowS = Math.floor(Date.now() / 1000);
    expect(await tokens.renewableSession(await legacyToken({ sst: nowS - 3 * 3600 }, nowS - 2 * 3600), 86_400)).toEqual({ userId: 'u-1', sessionStartedAt: (nowS - 3 * 3600) * 1000, expired: true });
  });

  it('refuses an expired token that does not record its sign-in, another secret, another type', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    expect(await tokens.renewableSession(await legacyToken({}, nowS - 2 * 3600), 86_400)).toBeNull();
    expect(await tokens.renewableSession(await legacyToken({}, nowS), 86_400)).toEqual({ userId: 'u-1', sessionStartedAt: nowS * 1000, expired: false });
    const other = new AccessTokens('another-secret-of-thirty-two-chars', 3600);
    expect(await tokens.renewableSession((await other.issue('u-1', Date.now() - 2 * hour)).token, 86_400)).toBeNull();
    expect(await tokens.renewableSession(await legacyToken({ typ: 'refresh', ssm: Date.now() - 2 * hour }, nowS - 2 * 3600), 86_400)).toBeNull();
  });
});

describe('signedInBeforePasswordChange', () => {
  const changedAt = Date.parse('2026-12-01T08:00:00.500Z');
  it.each([
    ['no change ever', Date.parse('2026-11-01T00:00:00Z'), null, false],
    ['signed in a day before', changedAt - 86_400_000, changedAt, true],
    // The case whole seconds missed: the same second, before the change.
    ['signed in 300 ms before, in the same second', changedAt - 300, changedAt, true],
    ['the sign-in the change itself issued', changedAt, changedAt, false],
    ['signed in after, with the new password', changedAt + 1, changedAt, false],
  ])('%s', (_name, signedIn, changed, before) => {
    expect(signedInBeforePasswordChange(signedIn, changed)).toBe(before);
  });

  it("checks expiry by the clock it is given (the API's shared one, which issued the token), not the host's", async () => {
    // The API host's own clock is an hour behind Redis's, by which tokens are issued.
    const serverNow = Date.now() + 3_600_000;
    const onServerClock = new AccessTokens(SECRET, 60, () => serverNow);
    const { token } = await onServerClock.issue('u-1', serverNow - 120_000); // expired a minute ago
    expect(await onServerClock.verify(token)).toBeNull(); // before: valid for another 59 minutes
    expect(await onServerClock.renewableSession(token, 3600)).toMatchObject({ userId: 'u-1', expired: true });
    const fresh = await onServerClock.issue('u-1', serverNow);
    expect(await onServerClock.verify(fresh.token)).toBe('u-1');
  });
});
