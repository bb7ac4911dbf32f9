import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/**
 * Cameras' latest JPEGs in Redis, shared by every API instance and every viewer: the analyzer's
 * picture of the frame it last analysed (`KEY_PREFIX` + `xl:latest:{camera}`, written by the analyzer)
 * and the API's own grabs from the camera (`xl:grab:{<camera>#<URL digest>}`), each with a TTL.
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

  analysed(cameraId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.prefix + redisKeys.latestFrame(cameraId));
  }

  grabbed(cameraId: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.prefix + redisKeys.grabbedFrame(cameraId));
  }

  async putGrabbed(cameraId: string, jpeg: Buffer, ttlMs: number): Promise<void> {
    if (ttlMs > 0) await this.redis.set(this.prefix + redisKeys.grabbedFrame(cameraId), jpeg, 'PX', ttlMs);
  }
}
