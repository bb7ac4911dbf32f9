import { createSecretKey, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'xueliang-alerts-api';
const AUDIENCE = 'xueliang';

/** What a valid access token says about its sign-in. */
export interface TokenSession {
  userId: string;
  /** When the user signed in with a password (epoch ms); renewed tokens keep it. */
  sessionStartedAt: number;
  /**
   * `cfp`: a fingerprint of the credential the sign-in checked (the password hash and when it was
   * last changed, see DbCredentialVerifier.fingerprint); absent from tokens of earlier versions.
   */
  credential?: string;
  /**
   * `cgn`: the same credential's fingerprint that an upgrade of its hash (rehash at sign-in) leaves
   * as it is (DbCredentialVerifier.generation); absent from tokens of earlier versions.
   */
  generation?: string;
}

/** What binds a token to the credential its sign-in checked (`cfp`, `cgn`). */
export interface TokenCredential {
  fingerprint: string;
  generation: string;
}

/** What a token taken for renewal says: its sign-in, and whether the token itself has run out. */
export interface RenewableTokenSession extends TokenSession {
  expired: boolean;
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

  /**
   * @param now the clock tokens are checked by (epoch ms): the API's shared one, which issues them too.
   *   On the host's own clock a token issued by Redis's clock lived as much longer as the host was behind.
   */
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /**
   * A token for `userId`, valid ttlSeconds from `now` but never past `notAfter` (epoch ms), bound to
   * `credential` (TokenSession.credential and .generation) when given.
   */
  async issue(userId: string, now = Date.now(), sessionStartedAt = now, notAfter = Infinity, credential?: TokenCredential): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = Math.min(iat + this.ttlSeconds, Math.floor(notAfter / 1000));
    // `cfp` still goes along: the previous version checks it while a rolling upgrade runs both.
    const bound = credential ? { cfp: credential.fingerprint, cgn: credential.generation } : {};
    const claims = { typ: 'access', ssm: Math.floor(sessionStartedAt), sst: Math.floor(sessionStartedAt / 1000), ...bound };
    const token = await new SignJWT(claims)
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
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: new Date(this.now()) });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string') return null;
      return { userId: payload.sub, sessionStartedAt: sessionStart(payload), ...credentialOf(payload) };
    } catch {
      return null;
    }
  }

  /**
   * The sign-in of a token of ours, for renewal (POST /auth/refresh) alone: as session(), and also
   * once expired (a PC that slept past its token's end) — signature, issuer, audience and type checked
   * all the same — for up to `graceSeconds` past its `exp`, and only when it names its session's start
   * (`ssm`/`sst`): the caller bounds the grace by that session's end, so a token that does not say
   * when its session began is not taken expired. null for anything else.
   */
  async renewableSession(token: string, graceSeconds: number): Promise<RenewableTokenSession | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], clockTolerance: Math.max(0, graceSeconds), currentDate: new Date(this.now()) });
      if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null;
      // jose's own expiry test, without the tolerance.
      const expired = payload.exp <= Math.floor(this.now() / 1000);
      const sessionStartedAt = expired ? recordedSessionStart(payload) : sessionStart(payload);
      return sessionStartedAt === null ? null : { userId: payload.sub, sessionStartedAt, expired, ...credentialOf(payload) };
    } catch {
      return null;
    }
  }
}

function credentialOf(payload: Record<string, unknown>): { credential?: string; generation?: string } {
  return { ...(typeof payload.cfp === 'string' ? { credential: payload.cfp } : {}), ...(typeof payload.cgn === 'string' ? { generation: payload.cgn } : {}) };
}

/**
 * The sign-in time of a verified token: `ssm`; from tokens issued before it, `sst` (whole seconds);
 * from tokens issued before renewal existed, their issue time.
 */
function sessionStart(payload: { ssm?: unknown; sst?: unknown; iat?: number }): number {
  return recordedSessionStart(payload) ?? (payload.iat ?? 0) * 1000;
}

/** The sign-in time a verified token records (`ssm`, else `sst`); null when it records none. */
function recordedSessionStart(payload: { ssm?: unknown; sst?: unknown; iat?: number }): number | null {
  if (typeof payload.ssm === 'number' && Number.isFinite(payload.ssm)) return payload.ssm;
  if (typeof payload.sst === 'number' && Number.isFinite(payload.sst)) return payload.sst * 1000;
  return null;
}
