import type { Redis } from 'ioredis';
import { redisKeys } from '@xl/contracts';
import type { FramePort } from '../frame-job.processor';

/** The Redis side of a frame: bytes (read once), the camera's in-flight gate and its "hot" mark. */
export class RedisFrameRepository implements FramePort {
  constructor(private readonly redis: Redis) {}

  take(key: string): Promise<Buffer | null> {
    return this.redis.getdelBuffer(key);
  }

  async releaseGate(cameraId: string): Promise<void> {
    await this.redis.del(redisKeys.inflight(cameraId));
  }

  async markHot(cameraId: string, ttlMs: number): Promise<void> {
    await this.redis.set(redisKeys.hot(cameraId), '1', 'PX', ttlMs);
  }
}
