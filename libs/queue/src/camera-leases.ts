import type { RedisClient } from './redis-client';
import { redisKeys } from '@xl/contracts';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';
import { COMPARE_AND_DELETE, COMPARE_AND_PEXPIRE, HEARTBEAT_MEMBER } from './scripts';

/** Sorted set of live lease holders (ingest workers), scored by their last heartbeat. */
export const LEASE_HOLDERS_KEY = 'xl:lease-holders';

export interface CameraLeasesOptions extends KeyPrefixOptions {
  /** This worker's id: the value of every lease it holds (e.g. INGEST_ID). */
  ownerId: string;
  /**
   * Lease lifetime in ms. A holder that stops renewing (killed, partitioned) loses its cameras this
   * long after its last renewal. Renew well within it (e.g. every ttl/3).
   */
  ttlMs: number;
}

/**
 * Camera ownership among ingest workers. A lease is a key per camera holding the owner id with a
 * TTL: claimed with SET NX PX, renewed and released only by its owner (compare-and-pexpire /
 * compare-and-delete in Lua). Workers also heartbeat into a shared set so each can compute its fair
 * share of the cameras.
 */
export class CameraLeases extends PrefixedRedis {
  readonly ownerId: string;
  readonly ttlMs: number;

  constructor(redis: RedisClient, options: CameraLeasesOptions) {
    super(redis, options);
    if (!options.ownerId) throw new Error('CameraLeases: ownerId is required');
    if (!(options.ttlMs >= 100)) throw new Error(`CameraLeases: ttlMs ${options.ttlMs} must be at least 100`);
    this.ownerId = options.ownerId;
    this.ttlMs = Math.round(options.ttlMs);
  }

  keyOf(cameraId: string): string {
    return this.prefix + redisKeys.lease(cameraId);
  }

  /**
   * Tries the candidates in order and claims free ones until `max` are claimed; one round trip per
   * batch (commands sent together, not a pipeline: a cluster routes each lease to its own shard).
   * Returns the ids claimed now.
   */
  async claim(candidates: string[], max: number): Promise<string[]> {
    const claimed: string[] = [];
    let i = 0;
    while (claimed.length < max && i < candidates.length) {
      const batch = candidates.slice(i, i + (max - claimed.length));
      i += batch.length;
      const results = await Promise.all(batch.map((id) => this.redis.set(this.keyOf(id), this.ownerId, 'PX', this.ttlMs, 'NX')));
      batch.forEach((id, k) => {
        if (results[k] === 'OK') claimed.push(id);
      });
    }
    return claimed;
  }

  /** Extends the leases this worker still holds; returns the ids it no longer holds (lost). */
  async renew(cameraIds: string[]): Promise<string[]> {
    if (!cameraIds.length) return [];
    const results = await Promise.all(cameraIds.map((id) => this.redis.eval(COMPARE_AND_PEXPIRE, 1, this.keyOf(id), this.ownerId, this.ttlMs)));
    return cameraIds.filter((_, k) => results[k] !== 1);
  }

  /** Gives leases back (only those this worker holds), so others can claim them at once. */
  async release(cameraIds: string[]): Promise<void> {
    if (!cameraIds.length) return;
    await Promise.all(cameraIds.map((id) => this.redis.eval(COMPARE_AND_DELETE, 1, this.keyOf(id), this.ownerId)));
  }

  /** Owner of each camera's lease (null when free), in the order given. */
  async owners(cameraIds: string[]): Promise<(string | null)[]> {
    if (!cameraIds.length) return [];
    return Promise.all(cameraIds.map((id) => this.redis.get(this.keyOf(id))));
  }

  /**
   * Records that this worker is alive and returns how many workers are (heartbeat within ttlMs,
   * by Redis server time), this one included.
   */
  async heartbeat(): Promise<number> {
    return Number(await this.redis.eval(HEARTBEAT_MEMBER, 1, this.prefix + LEASE_HOLDERS_KEY, this.ownerId, this.ttlMs));
  }

  /** Leaves the set of live workers (on shutdown). */
  async leave(): Promise<void> {
    await this.redis.zrem(this.prefix + LEASE_HOLDERS_KEY, this.ownerId);
  }
}

/**
 * How many cameras a worker should own: an even share among the live workers (rounded up, so the
 * shares cover every camera), never more than its capacity.
 */
export function fairShare(cameraCount: number, liveWorkers: number, capacity: number): number {
  return Math.min(capacity, Math.ceil(cameraCount / Math.max(1, liveWorkers)));
}
