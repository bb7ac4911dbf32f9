import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/**
 * Password tries per (client IP, username) in a fixed window, in Redis so that every API instance
 * counts together; a right password clears them. Once the limit is reached even the right password
 * is refused until the window ends: a guesser learns nothing from the lock.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private key(ip: string, username: string): string {
    const digest = createHash('sha256').update(`${ip}\n${username.toLowerCase()}`).digest('hex').slice(0, 32);
    return `${this.settings.redisKeyPrefix}xl:login-failures:${digest}`;
  }

  /**
   * Takes one try before the password is checked: seconds until another is allowed, 0 to go ahead.
   * The try is counted first (a failure leaves it counted, a success resets): checking the count and
   * adding the failure after the slow password hash would let hundreds of parallel guesses all
   * find the count below the limit.
   */
  async take(ip: string, username: string): Promise<number> {
    const key = this.key(ip, username);
    // SET NX PX starts the window once; INCR keeps the TTL.
    const replies = await this.redis.multi().set(key, '0', 'PX', this.settings.loginWindowSeconds * 1000, 'NX').incr(key).pttl(key).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw new Error(`login rate limit: Redis refused the count (${failed?.[0]?.message ?? 'transaction discarded'})`);
    if (Number(replies[1][1]) <= this.settings.loginMaxFailures) return 0;
    return Math.max(1, Math.ceil(Number(replies[2][1]) / 1000));
  }

  async reset(ip: string, username: string): Promise<void> {
    await this.redis.del(this.key(ip, username));
  }
}
