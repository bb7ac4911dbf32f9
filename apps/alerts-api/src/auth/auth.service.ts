import { HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ApiMetrics } from '../core/api-metrics';
import { publicUser, type User, UsersRepository } from '../users/users.repository';
import { DbCredentialVerifier } from './credential-verifier.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords';

export class TooManyLoginAttempts extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super({ statusCode: 429, error: 'Too Many Requests', message: `too many failed logins; try again in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: number;
  user: User;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly limiter: LoginRateLimiter,
    private readonly verifier: DbCredentialVerifier,
    private readonly metrics: ApiMetrics,
    private readonly clock: Clock,
  ) {}

  async login(ip: string, username: string, password: string): Promise<LoginResult> {
    const blockedFor = await this.limiter.blockedFor(ip, username);
    if (blockedFor > 0) {
      this.metrics.loginFailures.inc({ reason: 'rate_limited' });
      throw new TooManyLoginAttempts(blockedFor);
    }
    const user = await this.users.byUsername(username);
    // Hash even for unknown users so that response time does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok || user.disabled) {
      await this.limiter.recordFailure(ip, username);
      this.metrics.loginFailures.inc({ reason: 'bad_credentials' });
      throw new UnauthorizedException('invalid user name or password');
    }
    await this.limiter.reset(ip, username);
    const { token, expiresAt } = await this.verifier.tokens.issue(user.id, this.clock.now());
    return { accessToken: token, tokenType: 'Bearer', expiresAt, user: publicUser(user) };
  }
}
