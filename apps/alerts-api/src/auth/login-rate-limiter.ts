import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

const DECREMENT_IF_PRESENT = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0";

/**
 * One try counted in a fixed window, atomically: the count and the window's ms left. The window
 * starts with the first try; a count found without an expiry (left by an older version) gets one,
 * so no key can lock an address out for good.
 */
const COUNT_TRY = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/**
 * Password tries per (client IP, username) in a fixed window, in Redis so that every API instance
 * counts together; a right password clears them. Once the limit is reached even the right password
 * is refused until the window ends: a guesser learns nothing from the lock. A looser count per IP
 * alone (LOGIN_MAX_FAILURES_PER_IP) bounds guesses spread over made-up user names: unlimited, each
 * ran a password hash, and a flood of them held a password change's hash up for seconds. A login
 * with a device token of its user is counted per device instead (DeviceTokens).
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

  private ipKey(ip: string): string {
    const digest = createHash('sha256').update(ip).digest('hex').slice(0, 32);
    return `${this.settings.redisKeyPrefix}xl:login-failures-ip:${digest}`;
  }

  private deviceKey(deviceId: string): string {
    const digest = createHash('sha256').update(deviceId).digest('hex').slice(0, 32);
    return `${this.settings.redisKeyPrefix}xl:login-failures-device:${digest}`;
  }

  private async count(key: string): Promise<[count: number, ttlMs: number]> {
    return (await this.redis.eval(COUNT_TRY, 1, key, this.settings.loginWindowSeconds * 1000)) as [number, number];
  }

  /**
   * Takes one try before the password is checked: seconds until another is allowed, 0 to go ahead.
   * The try is counted first (a failure leaves it counted, a success resets): checking the count and
   * adding the failure after the slow password hash would let hundreds of parallel guesses all
   * find the count below the limit.
   */
  async take(ip: string, username: string, deviceId?: string): Promise<number> {
    const blockedFor = (count: number, limit: number, ttlMs: number) => (count <= limit ? 0 : Math.max(1, Math.ceil(ttlMs / 1000)));
    const refused = (err: Error) => {
      throw new Error(`login rate limit: Redis refused the count (${err.message})`);
    };
    // A device token of this user (DeviceTokens): its tries are its own, apart from the IP's — a flood
    // of guesses from the same NAT does not lock out a browser that signed in before.
    if (deviceId !== undefined) {
      const [count, ttl] = await this.count(this.deviceKey(deviceId)).catch(refused);
      return blockedFor(count, this.settings.loginMaxFailures, ttl);
    }
    // The two keys may sit on different Cluster slots: one script each (each count atomic on its own).
    const [[userCount, userTtl], [ipCount, ipTtl]] = await Promise.all([this.count(this.key(ip, username)), this.count(this.ipKey(ip))]).catch(refused);
    return Math.max(blockedFor(userCount, this.settings.loginMaxFailures, userTtl), blockedFor(ipCount, this.settings.loginMaxFailuresPerIp, ipTtl));
  }

  /** A right password: this user's tries from this IP (or this device) are forgotten, and this one is not counted against the IP. */
  async reset(ip: string, username: string, deviceId?: string): Promise<void> {
    if (deviceId !== undefined) {
      await this.redis.del(this.deviceKey(deviceId));
      return;
    }
    await this.redis.del(this.key(ip, username));
    // Only while its window lasts: a DECR of an expired key would leave -1 for good, and no TTL.
    await this.redis.eval(DECREMENT_IF_PRESENT, 1, this.ipKey(ip));
  }
}
