import type { RedisClient } from './redis-client';
import { redisKeys } from '@xl/contracts';
import type { FrameDownloader, FrameTarget } from './frame-downloader';
import type { FrameUploader } from './frame-uploader';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export interface FrameStoreOptions extends KeyPrefixOptions {
  /**
   * Writes the frame bytes without ioredis's copy (ingest at scale). Reads always use the ioredis
   * client.
   * @defaultValue none: writes go through the ioredis client
   */
  uploader?: FrameUploader;
  /**
   * Reads frame bytes straight into the caller's buffer (analyzer at scale); `take` and reads without
   * it go through the ioredis client.
   * @defaultValue none: reads go through the ioredis client
   */
  downloader?: FrameDownloader;
}

/**
 * A frame's raw bytes in Redis: written once with a short TTL by ingest, read once (GETDEL) by the
 * analyzer. Frames nobody took expire by themselves, so a dead analyzer leaks nothing.
 */
export class FrameStore extends PrefixedRedis {
  private readonly uploader: FrameUploader | undefined;
  private readonly downloader: FrameDownloader | undefined;

  constructor(redis: RedisClient, options: FrameStoreOptions = {}) {
    super(redis, options);
    this.uploader = options.uploader;
    this.downloader = options.downloader;
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

  /** Deletes the bytes unread (UNLINK: freed off Redis's main thread); nothing when already gone. */
  async drop(key: string): Promise<void> {
    await this.redis.unlink(key);
  }

  /** GETDEL: the bytes, or null when expired or already taken. */
  take(key: string): Promise<Buffer | null> {
    return this.redis.getdelBuffer(key);
  }

  /**
   * GETDEL into the buffer `into(length)` returns (the value in its first `length` bytes); null when
   * expired or already taken.
   */
  async takeInto(key: string, into: FrameTarget): Promise<Uint8Array | null> {
    if (this.downloader) return this.downloader.take(key, into);
    const bytes = await this.redis.getdelBuffer(key);
    if (!bytes) return null;
    const target = into(bytes.length);
    if (target.length < bytes.length) throw new Error(`frame target of ${target.length} bytes for a ${bytes.length}-byte value`);
    target.set(bytes, 0);
    return target;
  }
}
