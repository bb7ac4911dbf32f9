import type { Redis } from 'ioredis';
import { redisKeys } from '@xl/contracts';
import type { FrameUploader } from './frame-uploader';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export interface FrameStoreOptions extends KeyPrefixOptions {
  /**
   * Writes the frame bytes without ioredis's copy (ingest at scale). Reads always use the ioredis
   * client.
   * @defaultValue none: writes go through the ioredis client
   */
  uploader?: FrameUploader;
}

/**
 * A frame's raw bytes in Redis: written once with a short TTL by ingest, read once (GETDEL) by the
 * analyzer. Frames nobody took expire by themselves, so a dead analyzer leaks nothing.
 */
export class FrameStore extends PrefixedRedis {
  private readonly uploader: FrameUploader | undefined;

  constructor(redis: Redis, options: FrameStoreOptions = {}) {
    super(redis, options);
    this.uploader = options.uploader;
  }
  /** The key frame `seq` of a camera is stored under (what FrameJob.key carries). */
  keyOf(cameraId: string, seq: number): string {
    return this.prefix + redisKeys.frame(cameraId, seq);
  }

  /** SET with PX ttl; returns the key. `data` must stay untouched until the promise settles. */
  async put(cameraId: string, seq: number, data: Uint8Array, ttlMs: number): Promise<string> {
    const key = this.keyOf(cameraId, seq);
    if (this.uploader) {
      await this.uploader.set(key, data, ttlMs);
      return key;
    }
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.redis.set(key, bytes, 'PX', Math.max(1, Math.round(ttlMs)));
    return key;
  }

  /** GETDEL: the bytes, or null when expired or already taken. */
  take(key: string): Promise<Buffer | null> {
    return this.redis.getdelBuffer(key);
  }
}
