import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'xueliang-alerts-api';
const AUDIENCE = 'xueliang';

/** What a valid access token says about its sign-in. */
export interface TokenSession {
  userId: string;
  /** When the user signed in with a password (epoch ms); renewed tokens keep it. */
  sessionStartedAt: number;
}

/**
 * HS256 access tokens for people. The token names the user; role and scope are read fresh on use.
 * `ssm` (epoch ms) carries the sign-in time through renewals, so a session has an end however often
 * its token is renewed, and a password changed a few milliseconds later still ends it. `sst` (the
 * same in seconds) is what tokens issued before `ssm` carry; it is still written so those API versions
 * can read tokens of this one during a rolling upgrade.
 */
export class AccessTokens {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** A token for `userId`, valid ttlSeconds from `now` but never past `notAfter` (epoch ms). */
  async issue(userId: string, now = Date.now(), sessionStartedAt = now, notAfter = Infinity): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = Math.min(iat + this.ttlSeconds, Math.floor(notAfter / 1000));
    const token = await new SignJWT({ typ: 'access', ssm: Math.floor(sessionStartedAt), sst: Math.floor(sessionStartedAt / 1000) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  /** The user id of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<string | null> {
    return (await this.session(token))?.userId ?? null;
  }

  /** The sign-in a valid, unexpired token of ours belongs to; null for anything else. */
  async session(token: string): Promise<TokenSession | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string') return null;
      return { userId: payload.sub, sessionStartedAt: sessionStart(payload) };
    } catch {
      return null;
    }
  }
}

/**
 * The sign-in time of a verified token: `ssm`; from tokens issued before it, `sst` (whole seconds);
 * from tokens issued before renewal existed, their issue time.
 */
function sessionStart(payload: { ssm?: unknown; sst?: unknown; iat?: number }): number {
  if (typeof payload.ssm === 'number' && Number.isFinite(payload.ssm)) return payload.ssm;
  if (typeof payload.sst === 'number' && Number.isFinite(payload.sst)) return payload.sst * 1000;
  return (payload.iat ?? 0) * 1000;
}
