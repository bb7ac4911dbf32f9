import { redisKeys } from '@xl/contracts';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export type HotMarksOptions = KeyPrefixOptions;

/**
 * "This camera has live tracks": set by the analyzer with a TTL after each frame that has them, read
 * by ingest, which then publishes every frame of the camera, motion or not (a person standing still
 * in the water must still be analysed).
 */
export class HotMarks extends PrefixedRedis {
  keyOf(cameraId: string): string {
    return this.prefix + redisKeys.hot(cameraId);
  }

  /** Marks the camera hot for ttlMs (renewing an existing mark). */
  async mark(cameraId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keyOf(cameraId), '1', 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async isHot(cameraId: string): Promise<boolean> {
    return (await this.redis.exists(this.keyOf(cameraId))) === 1;
  }

  async clear(cameraId: string): Promise<void> {
    await this.redis.del(this.keyOf(cameraId));
  }
}
