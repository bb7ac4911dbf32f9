import type { RedisClient } from './redis-client';

export interface KeyPrefixOptions {
  /**
   * Prepended to every key (tests, several deployments on one Redis).
   * @defaultValue '' (keys exactly as `redisKeys` in @xl/contracts)
   */
  keyPrefix?: string;
}

/** An adapter over one ioredis client whose keys all carry the same prefix. */
export abstract class PrefixedRedis {
  protected readonly prefix: string;

  constructor(
    protected readonly redis: RedisClient,
    options: KeyPrefixOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? '';
  }
}
