import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';

/**
 * A camera's latest analysed picture (JPEG) under `KEY_PREFIX` + `xl:latest:{camera}` with a TTL,
 * which alerts-api serves to the console's camera wall before grabbing one from the camera itself.
 */
export class LatestPictureRepository {
  constructor(
    private readonly redis: RedisClient,
    /** Prepended to the key, like the other Redis adapters' keyPrefix. */
    private readonly keyPrefix = '',
  ) {}

  async put(cameraId: string, jpeg: Buffer, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyPrefix + redisKeys.latestFrame(cameraId), jpeg, 'PX', Math.max(1, Math.round(ttlMs)));
  }
}
