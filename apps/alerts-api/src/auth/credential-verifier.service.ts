import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { CredentialVerifier, type Principal } from '../shared/principal';
import { UsersRepository, type UserWithHash } from '../users/users.repository';
import { AccessTokens, type TokenCredential, type TokenSession } from './access-tokens';
import { API_KEY_PREFIX, parseApiKey, secretMatches } from './api-key-secret';
import { credentialId, isUpgradedHash } from './passwords';

/** last_used_at is informational; writing it on every request would turn reads into writes. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Bearer token → Principal. JWTs name a user whose role and scope are read from the database on
 * every call, so a disabled user or a narrowed scope takes effect at once (REST and WebSocket).
 */
@Injectable()
export class DbCredentialVerifier extends CredentialVerifier {
  readonly tokens: AccessTokens;

  constructor(
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    this.tokens = new AccessTokens(settings.jwtSecret, settings.jwtTtlSeconds, () => clock.now());
  }

  async verify(token: string): Promise<Principal | null> {
    if (!token) return null;
    return token.startsWith(API_KEY_PREFIX) ? this.verifyApiKey(token) : this.verifyJwt(token);
  }

  /**
   * verify(), for POST /auth/refresh alone: a user's token that has expired is taken too while its
   * session lasts (renewableSession), so a PC that slept through its renewal wakes signed in. Every
   * other route and the WebSocket use verify(), which refuses it. API keys as verify().
   */
  override async verifyForRenewal(token: string): Promise<Principal | null> {
    if (!token || token.startsWith(API_KEY_PREFIX)) return this.verify(token);
    return this.userPrincipal(await this.renewableSession(token));
  }

  /**
   * The sign-in of a token to renew: a valid one's, or an expired one's until its session's end
   * (SESSION_MAX_SECONDS after its recorded start, on the API's clock) and no later: a stolen
   * token is not renewable for longer than the sign-in it was stolen from. The user is not checked here.
   */
  async renewableSession(token: string): Promise<TokenSession | null> {
    // jose's tolerance is a bound in its own right; the session's end below is the exact one.
    const session = await this.tokens.renewableSession(token, this.settings.sessionMaxSeconds);
    if (!session) return null;
    if (session.expired && this.clock.now() >= session.sessionStartedAt + this.settings.sessionMaxSeconds * 1000) return null;
    const { expired: _expired, ...signIn } = session;
    return signIn;
  }

  /**
   * The fingerprint a user's tokens carry (`cfp`) of the credential their sign-in checked: an HMAC of
   * the password hash and the time it was last changed or the account disabled. A token whose
   * fingerprint is not the account's now was made from a credential since replaced. Comparing the
   * sign-in's time with the change's was not enough: a login that read the old hash while a password
   * change hashed the new one (~0.6 s, longer under a flood of logins) signed in after the change's
   * time, and its token outlived the change for the session's 30 days. Checked now only on tokens
   * without `cgn` (generation()): tokens carry it for the previous version, during a rolling upgrade.
   */
  fingerprint(user: Pick<UserWithHash, 'passwordHash' | 'passwordChangedAt'>): string {
    return createHmac('sha256', this.settings.jwtSecret).update(`${user.passwordHash}\n${user.passwordChangedAt ?? ''}`).digest('base64url').slice(0, 22);
  }

  /**
   * The fingerprint of the same credential that tokens check now (`cgn`): of its id (the hash's salt,
   * kept when the hash is upgraded at a sign-in) and the time of the last change, not of the hash
   * itself. Bound to the hash (fingerprint()), every other sign-in of a user ended when a sign-in
   * upgraded their hash — a school's alarm screen among them, when a teacher signed in elsewhere.
   */
  generation(user: Pick<UserWithHash, 'id' | 'passwordHash' | 'passwordChangedAt'>): string {
    return createHmac('sha256', this.settings.jwtSecret).update(`cgn\n${user.id}\n${credentialId(user.passwordHash)}\n${user.passwordChangedAt ?? ''}`).digest('base64url').slice(0, 22);
  }

  /** What a token issued for `user` now is bound to. */
  credentialOf(user: UserWithHash): TokenCredential {
    return { fingerprint: this.fingerprint(user), generation: this.generation(user) };
  }

  /** Whether a token's sign-in still stands for this account: not disabled, its credential not replaced since. */
  sessionStands(session: TokenSession, user: UserWithHash): boolean {
    if (user.disabled || signedInBeforePasswordChange(session.sessionStartedAt, user.passwordChangedAt)) return false;
    if (session.generation !== undefined) return session.generation === this.generation(user);
    // Tokens of earlier versions carry no fingerprint (the time comparison above is all they have) or
    // only the hash's, which an upgrade of the hash at a sign-in changed without changing the password.
    return session.credential === undefined || session.credential === this.fingerprint(user) || isUpgradedHash(user.passwordHash);
  }

  private async verifyJwt(token: string): Promise<Principal | null> {
    return this.userPrincipal(await this.tokens.session(token));
  }

  /** The user of a token's sign-in, unless disabled or signed in before a password change. */
  private async userPrincipal(session: TokenSession | null): Promise<Principal | null> {
    if (!session) return null;
    const user = await this.users.get(session.userId);
    if (!user || !this.sessionStands(session, user)) return null;
    return { kind: 'user', id: user.id, name: user.displayName || user.username, role: user.role, regionIds: user.regionIds, cameraIds: user.cameraIds, waters: user.waters };
  }

  private async verifyApiKey(token: string): Promise<Principal | null> {
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const key = await this.apiKeys.get(parsed.id);
    if (!key || key.revokedAt !== null || !secretMatches(parsed.secret, key.keyHash)) return null;
    const now = this.clock.now();
    if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL_MS) {
      // Informational: a database blip that failed only this write must not fail the key's request
      // (a siren controller's poll, a webhook consumer's read).
      await this.apiKeys.touch(key.id, now).catch((err: Error) => this.logger.warn({ err: err.message, apiKeyId: key.id }, "an API key's last use was not recorded"));
    }
    return { kind: 'api_key', id: key.id, name: key.name, role: key.role, regionIds: key.regionIds, cameraIds: key.cameraIds, waters: key.waters };
  }
}

/**
 * A sign-in made with a password that has been changed since, or before the user was last disabled
 * (both epoch ms; see UserWithHash.passwordChangedAt). The session that changed the password gets a
 * new token stamped with the change's own time, and stays.
 */
export function signedInBeforePasswordChange(sessionStartedAt: number, passwordChangedAt: number | null): boolean {
  return passwordChangedAt !== null && sessionStartedAt < passwordChangedAt;
}
