import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';

/**
 * A camera's latest analysed picture (JPEG) under `KEY_PREFIX` + `xl:latest:{camera}` with a TTL,
 * which alerts-api serves to the console's camera wall before grabbing one from the camera itself,
 * and its frame's capture time next to it (`xl:latest-at:{camera}`, same TTL, same slot).
 */
export class LatestPictureRepository {
  constructor(
    private readonly redis: RedisClient,
    /** Prepended to the key, like the other Redis adapters' keyPrefix. */
    private readonly keyPrefix = '',
  ) {}

  async put(cameraId: string, jpeg: Buffer, ttlMs: number, capturedAt: number): Promise<void> {
    const px = Math.max(1, Math.round(ttlMs));
    const replies = await this.redis
      .multi()
      .set(this.keyPrefix + redisKeys.latestFrame(cameraId), jpeg, 'PX', px)
      .set(this.keyPrefix + redisKeys.latestFrameAt(cameraId), String(capturedAt), 'PX', px)
      .exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (!replies || failed) throw new Error(`camera '${cameraId}': latest picture not stored (${failed?.message ?? 'transaction discarded'})`);
  }
}
