import { redisKeys } from '@xl/contracts';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export type FrameStoreOptions = KeyPrefixOptions;

/**
 * A frame's raw bytes in Redis: written once with a short TTL by ingest, read once (GETDEL) by the
 * analyzer. Frames nobody took expire by themselves, so a dead analyzer leaks nothing.
 */
export class FrameStore extends PrefixedRedis {
  /** The key frame `seq` of a camera is stored under (what FrameJob.key carries). */
  keyOf(cameraId: string, seq: number): string {
    return this.prefix + redisKeys.frame(cameraId, seq);
  }

  /** SET with PX ttl; returns the key. */
  async put(cameraId: string, seq: number, data: Uint8Array, ttlMs: number): Promise<string> {
    const key = this.keyOf(cameraId, seq);
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.redis.set(key, bytes, 'PX', Math.max(1, Math.round(ttlMs)));
    return key;
  }

  /** GETDEL: the bytes, or null when expired or already taken. */
  take(key: string): Promise<Buffer | null> {
    return this.redis.getdelBuffer(key);
  }
}
