import { BadRequestException, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, Optional, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import type { Principal } from '../shared/principal';
import { PrincipalChanges } from '../shared/principal-changes';
import { publicUser, type User, type UserWithHash, UsersRepository } from '../users/users.repository';
import { DbCredentialVerifier } from './credential-verifier.service';
import { DeviceTokens } from './device-tokens';
import { LoginRateLimiter } from './login-rate-limiter';
import { dummyPasswordHash, hashIsWeaker, hashPassword, upgradedHash, verifyPassword } from './passwords';

export class TooManyLoginAttempts extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super({ statusCode: 429, error: 'Too Many Requests', message: `too many failed logins; try again in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  /** When this token stops working (epoch ms); renew it before (POST /auth/refresh). */
  expiresAt: number;
  /** When the sign-in ends: renewals stop here and the password is asked again. */
  sessionExpiresAt: number;
  user: User;
}

/** A login's answer: the sign-in, and the browser's device token (kept and sent with its next logins). */
export interface PasswordLoginResult extends LoginResult {
  /** Absent when device tokens are off (LOGIN_DEVICE_TOKEN_DAYS 0). */
  deviceToken?: string;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly limiter: LoginRateLimiter,
    private readonly verifier: DbCredentialVerifier,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
    /** Absent without WebSocket push. */
    @Optional() private readonly changes?: PrincipalChanges,
  ) {
    this.devices = new DeviceTokens(settings.jwtSecret, settings.loginDeviceTokenDays * 86_400_000);
    this.dummyHash = dummyPasswordHash(settings.passwordScryptLog2N);
  }

  private readonly devices: DeviceTokens;
  /** At the cost of new hashes: an unknown name takes as long as a known one's (upgraded) password. */
  private readonly dummyHash: string;

  /** `deviceToken`: what an earlier sign-in of this user gave this browser, if any (DeviceTokens). */
  async login(ip: string, username: string, password: string, deviceToken?: string): Promise<PasswordLoginResult> {
    // The sign-in starts before its hash is read: a password changed while this login checks the old
    // one then ends the token it gets (signed in before the change), instead of the token outliving it.
    const startedAt = this.clock.now();
    const device = this.devices.verify(deviceToken, username, startedAt);
    await this.takeTry(ip, username, device?.deviceId);
    const user = await this.users.byUsername(username);
    // Hash even for unknown users so that response time does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? this.dummyHash);
    if (!user || !ok || user.disabled) {
      this.metrics.loginFailures.inc({ reason: 'bad_credentials' });
      throw new UnauthorizedException('invalid user name or password');
    }
    await this.limiter.reset(ip, username, device?.deviceId);
    const signIn = await this.tokenFor(await this.upgradeHash(user, password), startedAt);
    // A new device token each time, under the same device id: its lifetime starts again with each sign-in.
    return this.devices.enabled ? { ...signIn, deviceToken: this.devices.issue(username, this.clock.now(), device?.deviceId) } : signIn;
  }

  /**
   * The caller's own new password, given the current one (rate-limited like a login: guessing it
   * through here is no easier). Every other sign-in of the user ends; the caller gets a new one.
   */
  async changePassword(principal: Principal, ip: string, currentPassword: string, newPassword: string): Promise<LoginResult> {
    if (principal.kind !== 'user') throw new BadRequestException('an API key has no password; an admin replaces the key');
    const user = await this.users.get(principal.id);
    if (!user || user.disabled) throw new UnauthorizedException('access token not valid');
    await this.takeTry(ip, user.username);
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      this.metrics.loginFailures.inc({ reason: 'bad_credentials' });
      // 403, not 401: the caller's sign-in is fine, and a client must not take this for its end.
      throw new ForbiddenException('the current password is wrong');
    }
    await this.limiter.reset(ip, user.username);
    if (newPassword === currentPassword) throw new BadRequestException('the new password must differ from the current one');
    const passwordHash = await hashPassword(newPassword, this.settings.passwordScryptLog2N);
    const now = this.clock.now();
    // Written only over the account as checked: an admin who disabled it or set its password during the
    // checks above (they take a while) is not undone, and the caller, whose sign-in that ended, gets no token.
    if (!(await this.users.changePassword(user, passwordHash, now))) {
      throw new UnauthorizedException('the account was disabled or its password set during this change; sign in again');
    }
    return this.tokenFor({ ...user, passwordHash, passwordChangedAt: now }, now);
  }

  /**
   * Tells every instance that the user changed their password (PrincipalChanges): their open
   * WebSockets (/ws, /live) check their tokens at once, and those of the sign-ins it ended close (4401).
   * Called once the change's answer is out (AuthController); never throws.
   */
  async announcePasswordChanged(principal: Principal): Promise<void> {
    await this.changes?.announce({ kind: 'user', id: principal.id });
  }

  /**
   * A new token for the sign-in `token` belongs to (the caller's own: the guard checked it and the
   * user). The token may have expired — a PC that slept past it — but not its session: the session's
   * start travels on, so renewals end SESSION_MAX_SECONDS after the password was given, expired or
   * not; API keys do not expire and have nothing to renew.
   */
  async refresh(principal: Principal, token: string): Promise<LoginResult> {
    if (principal.kind !== 'user') throw new BadRequestException('only a user\'s access token can be renewed; API keys do not expire');
    const session = await this.verifier.renewableSession(token);
    const user = session && (await this.users.get(session.userId));
    // As the guard's check: a sign-in ended by a password change or a disable is not renewed.
    if (!session || !user || !this.verifier.sessionStands(session, user)) {
      throw new UnauthorizedException('access token not valid');
    }
    const now = this.clock.now();
    if (now >= this.sessionEnd(session.sessionStartedAt)) throw new UnauthorizedException('session ended (SESSION_MAX_SECONDS); sign in again');
    return this.tokenFor(user, now, session.sessionStartedAt);
  }

  /** Counts a password try of this IP and user name; 429 once they are locked out (login and password change alike). */
  private async takeTry(ip: string, username: string, deviceId?: string): Promise<void> {
    let blockedFor: number;
    try {
      blockedFor = await this.limiter.take(ip, username, deviceId);
    } catch (err) {
      // Fails closed: without the count a guesser would be unlimited. 503, not 500: try again shortly.
      throw new ServiceUnavailableException(`sign-in is unavailable while the login rate limit cannot be counted (Redis: ${(err as Error).message}); try again shortly`);
    }
    if (blockedFor <= 0) return;
    this.metrics.loginFailures.inc({ reason: 'rate_limited' });
    throw new TooManyLoginAttempts(blockedFor);
  }

  /**
   * `user` with their hash upgraded to the cost of new ones (PASSWORD_SCRYPT_LOG2_N) when it was made
   * at a lower one, now that `password` is known to be theirs: a stored hash is only as strong as its
   * cost, and the password is not asked for otherwise. Written only over the hash as read (a password
   * changed meanwhile stays); the same credential, so the user's other sign-ins stand (generation()).
   * A failed write leaves the hash for the next sign-in: the user is signed in all the same.
   */
  private async upgradeHash(user: UserWithHash, password: string): Promise<UserWithHash> {
    const log2N = this.settings.passwordScryptLog2N;
    if (!hashIsWeaker(user.passwordHash, log2N)) return user;
    try {
      const passwordHash = await upgradedHash(password, user.passwordHash, log2N);
      return (await this.users.upgradePasswordHash(user, passwordHash)) ? { ...user, passwordHash } : user;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, userId: user.id }, "upgrading a user's password hash at sign-in failed; tried again at their next one");
      return user;
    }
  }

  /** A token bound to the credential of `user` as read with the password it checked (or as written by a change). */
  private async tokenFor(user: UserWithHash, now: number, sessionStartedAt = now): Promise<LoginResult> {
    // The first answer and every renewal name the same end: the start travels in the token, to the ms.
    const sessionExpiresAt = this.sessionEnd(sessionStartedAt);
    const { token, expiresAt } = await this.verifier.tokens.issue(user.id, now, sessionStartedAt, sessionExpiresAt, this.verifier.credentialOf(user));
    return { accessToken: token, tokenType: 'Bearer', expiresAt, sessionExpiresAt, user: publicUser(user) };
  }

  private sessionEnd(sessionStartedAt: number): number {
    return sessionStartedAt + this.settings.sessionMaxSeconds * 1000;
  }
}
