import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/**
 * Failed logins per (client IP, username) in a fixed window, in Redis so that every API instance
 * counts together. Once the limit is reached even the right password is refused until the window
 * ends: a guesser learns nothing from the lock.
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

  /** Seconds until another attempt is allowed; 0 when allowed now. */
  async blockedFor(ip: string, username: string): Promise<number> {
    const key = this.key(ip, username);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    if (Number(count ?? 0) < this.settings.loginMaxFailures) return 0;
    return Math.max(1, Math.ceil(ttl / 1000));
  }

  async recordFailure(ip: string, username: string): Promise<void> {
    const key = this.key(ip, username);
    // SET NX PX starts the window once; INCR keeps the TTL.
    await this.redis.multi().set(key, '0', 'PX', this.settings.loginWindowSeconds * 1000, 'NX').incr(key).exec();
  }

  async reset(ip: string, username: string): Promise<void> {
    await this.redis.del(this.key(ip, username));
  }
}
