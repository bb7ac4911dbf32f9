import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import { redisKeys } from '@xl/contracts';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/** A stored picture and when it was taken (epoch ms), null when a writer of an older version stored it without. */
export interface StoredPicture {
  jpeg: Buffer;
  takenAt: number | null;
}

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

  /** The analyzer's picture and its frame's capture time (both keys in one slot: `{camera}`). */
  analysed(cameraId: string): Promise<StoredPicture | null> {
    return this.read(redisKeys.latestFrame(cameraId), redisKeys.latestFrameAt(cameraId));
  }

  grabbed(cameraId: string): Promise<StoredPicture | null> {
    return this.read(redisKeys.grabbedFrame(cameraId), redisKeys.grabbedFrameAt(cameraId));
  }

  async putGrabbed(cameraId: string, jpeg: Buffer, ttlMs: number, takenAt: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis
      .multi()
      .set(this.prefix + redisKeys.grabbedFrame(cameraId), jpeg, 'PX', ttlMs)
      .set(this.prefix + redisKeys.grabbedFrameAt(cameraId), String(takenAt), 'PX', ttlMs)
      .exec();
  }

  private async read(pictureKey: string, takenAtKey: string): Promise<StoredPicture | null> {
    const replies = await this.redis.multi().getBuffer(this.prefix + pictureKey).get(this.prefix + takenAtKey).exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (!replies || failed) throw failed ?? new Error('latest frame: transaction discarded');
    const jpeg = replies[0][1] as Buffer | null;
    if (!jpeg) return null;
    const takenAt = Number(replies[1][1]);
    return { jpeg, takenAt: replies[1][1] !== null && Number.isFinite(takenAt) ? takenAt : null };
  }
}
