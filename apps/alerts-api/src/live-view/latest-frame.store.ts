import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/**
 * The latest JPEG of each camera in Redis (`KEY_PREFIX` + `xl:latest:{cameraId}`, with a TTL), so
 * every API instance and every viewer of the camera wall share one grab per camera and period.
 */
@Injectable()
export class LatestFrameStore {
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.prefix = settings.redisKeyPrefix;
  }

  get(cameraId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.prefix + redisKeys.latestFrame(cameraId));
  }

  async put(cameraId: string, jpeg: Buffer, ttlMs: number): Promise<void> {
    if (ttlMs > 0) await this.redis.set(this.prefix + redisKeys.latestFrame(cameraId), jpeg, 'PX', ttlMs);
  }
}
