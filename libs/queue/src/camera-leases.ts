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
 * Takes a free lease (SET NX PX), or refreshes one that already holds this owner's id and counts it
 * as taken: a claim resent after a reconnect (ioredis resends commands left unanswered) or retried
 * after a failure whose SET did land must not find its own lease and take it for another worker's
 * (it would hold a camera it never runs, which nobody else can claim until the lease expires).
 * Returns 1 when the lease is ARGV[1]'s now, 0 when another owner holds it.
 */
const CLAIM_OR_KEEP = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

/** A lease command that failed (timeout, connection lost, a cluster shard failing over). */
export interface LeaseFailure {
  cameraId: string;
  error: Error;
}

export interface LeaseClaim {
  /** Leases this worker holds now, in candidate order: run these cameras. */
  claimed: string[];
  /**
   * Candidates whose claim failed. Whether it landed is unknown: each was given back
   * (compare-and-delete) as far as Redis answered, and a later claim of it takes it anyway.
   */
  failed: LeaseFailure[];
}

export interface LeaseRenewal {
  /** Extended by a full TTL, counted from no earlier than when renew() was called. */
  renewed: string[];
  /** No longer this worker's (expired, or another worker's now). */
  lost: string[];
  /** The command failed: renewed or not is unknown (a timed-out one may have landed); count them unrenewed. */
  failed: LeaseFailure[];
}

export interface LeaseRelease {
  /** No longer held by this worker (deleted, or not its lease anyway). */
  released: string[];
  /** The command failed: the lease may still be this worker's until it expires. */
  failed: LeaseFailure[];
}

/**
 * Camera ownership among ingest workers. A lease is a key per camera holding the owner id with a
 * TTL: claimed with SET NX PX (or kept when already this owner's), renewed and released only by its
 * owner (compare-and-pexpire / compare-and-delete in Lua). Workers also heartbeat into a shared set
 * so each can compute its fair share of the cameras.
 *
 * Every command concerns one camera and each camera gets its own outcome: one command failing (a
 * timeout, a cluster shard failing over) must not cost the others, which were claimed or renewed
 * all the same. claim, renew and release report failures in their result instead of rejecting.
 * The owner id must be unique among live workers: a lease holding it counts as this worker's.
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
   * Tries the candidates (cameras this worker does not run) in order until `max` are claimed; one
   * round trip per batch (commands sent together, not a pipeline: a cluster routes each lease to its
   * own shard). A batch with a failed command ends the claim: Redis is in trouble, the next round
   * tries again.
   */
  async claim(candidates: string[], max: number): Promise<LeaseClaim> {
    const claimed: string[] = [];
    const failed: LeaseFailure[] = [];
    let i = 0;
    while (claimed.length < max && i < candidates.length && !failed.length) {
      const batch = candidates.slice(i, i + (max - claimed.length));
      i += batch.length;
      const results = await this.each(batch, (id) => this.redis.eval(CLAIM_OR_KEEP, 1, this.keyOf(id), this.ownerId, this.ttlMs));
      batch.forEach((id, k) => {
        const r = results[k];
        if (r.status === 'rejected') failed.push(failure(id, r.reason));
        else if (r.value === 1) claimed.push(id);
      });
    }
    // A failed claim may have landed (its answer was what got lost): give it back rather than leave
    // the camera unread by anyone until the lease expires.
    if (failed.length) await this.release(failed.map((f) => f.cameraId));
    return { claimed, failed };
  }

  /** Extends the leases this worker still holds, each on its own (see LeaseRenewal). */
  async renew(cameraIds: string[]): Promise<LeaseRenewal> {
    const results = await this.each(cameraIds, (id) => this.redis.eval(COMPARE_AND_PEXPIRE, 1, this.keyOf(id), this.ownerId, this.ttlMs));
    const renewal: LeaseRenewal = { renewed: [], lost: [], failed: [] };
    cameraIds.forEach((id, k) => {
      const r = results[k];
      if (r.status === 'rejected') renewal.failed.push(failure(id, r.reason));
      else (r.value === 1 ? renewal.renewed : renewal.lost).push(id);
    });
    return renewal;
  }

  /** Gives leases back (only those this worker holds), so others can claim them at once. */
  async release(cameraIds: string[]): Promise<LeaseRelease> {
    const results = await this.each(cameraIds, (id) => this.redis.eval(COMPARE_AND_DELETE, 1, this.keyOf(id), this.ownerId));
    const release: LeaseRelease = { released: [], failed: [] };
    cameraIds.forEach((id, k) => {
      const r = results[k];
      if (r.status === 'rejected') release.failed.push(failure(id, r.reason));
      else release.released.push(id);
    });
    return release;
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

  /** One command per camera, sent together; every outcome awaited, none lost to another's failure. */
  private each(cameraIds: string[], command: (cameraId: string) => Promise<unknown>): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.allSettled(cameraIds.map(command));
  }
}

function failure(cameraId: string, reason: unknown): LeaseFailure {
  return { cameraId, error: reason instanceof Error ? reason : new Error(String(reason)) };
}

/**
 * How many cameras a worker should own: an even share among the live workers (rounded up, so the
 * shares cover every camera), never more than its capacity.
 */
export function fairShare(cameraCount: number, liveWorkers: number, capacity: number): number {
  return Math.min(capacity, Math.ceil(cameraCount / Math.max(1, liveWorkers)));
}
