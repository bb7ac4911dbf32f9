import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import type { CameraConfig } from '@xl/config';
import { CAMERA_CONFIG_CHANNEL, CAMERA_CONFIG_HASH, redisKeys, type ConfigChangedMessage } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { CamerasRepository, type UnreadableCamera } from '../cameras/cameras.repository';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { type HeldLock, PUBLISH_LOCK_TTL_MS, PublishLock } from './publish-lock';

const RETRY_MS = 5000;
/** How often the publisher checks that Redis still holds what it published (one EXISTS). */
export const CONFIG_CHECK_MS = 10_000;

/**
 * KEYS: lock, hash, revision. ARGV: token, n, n (cameraId, JSON) pairs to set, then cameraIds to
 * delete. Writes and returns the new revision only while the lock still holds the token (nil
 * otherwise): a publisher whose lock expired (paused past its TTL, between two renewals) may hold rows
 * older than what the next holder has written since.
 */
export const WRITE_IF_LOCKED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local sets = tonumber(ARGV[2])
for i = 3, 2 + sets * 2, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
for i = 3 + sets * 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
return redis.call('INCR', KEYS[3])`;

/**
 * Publishes the effective camera configuration to Redis for ingest and analyzer, which never call
 * the API: the hash CAMERA_CONFIG_HASH (cameraId → CameraConfig JSON) plus a ConfigChangedMessage
 * on CAMERA_CONFIG_CHANNEL. The database is the source of truth; when Redis is unreachable the
 * whole configuration is republished as soon as it answers again, and when Redis has lost it
 * (restarted without persistence, flushed, failed over to a replica that had not got it): ingest and
 * analyzer keep theirs in memory, but one started after the loss would find no cameras.
 *
 * Every publish, from any replica, holds one lock in Redis (`…:publish-lock`, beside the hash in the
 * `{config}` slot) from its database read to its write, renewed meanwhile (publish-lock.ts), and
 * writes only while it still holds it. The
 * database is read inside the lock, so the last write is always of rows read after every earlier
 * one: a full publish that read a camera before its deletion cannot write it back after the
 * deletion's publish, nor an older row over an edit.
 */
@Injectable()
export class ConfigPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private dirty = false;
  private retryTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private published = false;
  /** The highest revision this publisher wrote: a lower counter means Redis lost its last writes. */
  private lastWritten = 0;
  private readonly keyPrefix: string;
  readonly hashKey: string;
  readonly revisionKey: string;
  readonly lockKey: string;
  readonly channel: string;
  private readonly lock: PublishLock;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(SETTINGS) settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly cameras: CamerasRepository,
    private readonly metrics: ApiMetrics,
  ) {
    this.keyPrefix = settings.redisKeyPrefix;
    this.hashKey = `${settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}`;
    this.revisionKey = `${settings.redisKeyPrefix}${CAMERA_CONFIG_HASH}:revision`;
    this.lockKey = `${this.hashKey}:publish-lock`; // same hash tag: the write script checks it in one slot
    this.channel = `${settings.redisKeyPrefix}${CAMERA_CONFIG_CHANNEL}`;
    this.lock = new PublishLock(redis, this.lockKey, logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.publishAll();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'publishing camera configuration at start failed; retrying');
    }
    this.checkTimer = setInterval(() => void this.republishIfLost().catch(() => undefined), CONFIG_CHECK_MS);
    this.checkTimer.unref();
  }

  /**
   * The revision counter exists from the first publish on; gone, Redis lost the configuration. Lower
   * than what this publisher wrote, Redis lost its last writes (an AOF replayed without its last
   * second, a replica promoted before it got them): an edit the admin got a 200 for would otherwise
   * never reach ingest and the analyzer, who reload the older configuration and keep it.
   */
  async republishIfLost(): Promise<boolean> {
    if (!this.published) return false;
    const stored = await this.redis.get(this.revisionKey);
    if (stored !== null && Number(stored) >= this.lastWritten) return false;
    if (stored === null) this.logger.warn({ key: this.revisionKey }, 'camera configuration gone from Redis (restarted without persistence or flushed); publishing it again');
    else this.logger.warn({ key: this.revisionKey, revision: Number(stored), written: this.lastWritten }, 'camera configuration in Redis is older than what was written (Redis lost its last writes); publishing it again');
    // The count starts again from what Redis holds.
    this.lastWritten = 0;
    await this.publishAll();
    return true;
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.checkTimer);
    this.checkTimer = undefined;
  }

  /** Republishes one camera (or removes it when it no longer exists), as the database holds it now. */
  async publishCamera(cameraId: string): Promise<void> {
    try {
      const { record, revision } = await this.lock.hold(async (lock) => {
        const record = await this.cameras.get(cameraId);
        const revision = await this.writeLocked(lock, record ? [[cameraId, serialize(record.config)]] : [], record ? [] : [cameraId]);
        return { record, revision };
      });
      if (!record) await this.forgetAnalysis([cameraId]);
      await this.announce({ cameraIds: [cameraId], revision });
      this.metrics.configPublishes.inc({ result: 'ok' });
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /**
   * Publishes every camera and removes the ones that no longer exist; announces "reload all". A camera
   * this release cannot read is left out, keeping what was published of it: one such row must not
   * block every full publish (at start, on retries, after a Redis loss).
   */
  async publishAll(): Promise<void> {
    try {
      const { cameras, stale, unreadable, revision } = await this.lock.hold(async (lock) => {
        const { records, unreadable } = await this.cameras.all();
        // An unreadable camera still exists: its published entry stays, and so does its analysis state.
        const wanted = new Set([...records.map((r) => r.config.id), ...unreadable.map((u) => u.id)]);
        const stale = (await this.redis.hkeys(this.hashKey)).filter((id) => !wanted.has(id));
        const revision = await this.writeLocked(lock, records.map((r): [string, string] => [r.config.id, serialize(r.config)]), stale);
        return { cameras: records.length, stale, unreadable, revision };
      });
      this.reportUnreadable(unreadable);
      await this.forgetAnalysis(stale);
      await this.announce({ cameraIds: [], revision });
      this.dirty = false;
      this.published = true;
      this.metrics.configPublishes.inc({ result: 'ok' });
      this.logger.info({ cameras, removed: stale.length, unreadable: unreadable.length, revision }, 'camera configuration published');
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  private reportUnreadable(unreadable: UnreadableCamera[]): void {
    this.metrics.unreadableCameras.set(unreadable.length);
    for (const { id, problems } of unreadable) {
      this.logger.error(
        { cameraId: id, problems },
        `camera '${id}' is stored in a form this release cannot read (${problems.join('; ')}); left out of the publish, its last published configuration is kept: fix the row, or run the release that saved it`,
      );
    }
  }

  /** Sets and deletes hash entries and increments the revision in one script, if the lock is still ours. */
  private async writeLocked(lock: HeldLock, entries: [cameraId: string, json: string][], removed: string[]): Promise<number> {
    const revision = lock.lost() ? null : await this.redis.eval(WRITE_IF_LOCKED, 3, this.lockKey, this.hashKey, this.revisionKey, lock.token, entries.length, ...entries.flat(), ...removed);
    if (revision === null) throw new Error(`camera configuration not written: the publish lock expired before the write (not renewed within its ${PUBLISH_LOCK_TTL_MS} ms TTL, or held too long), and another publisher may have written newer rows since`);
    this.lastWritten = Math.max(this.lastWritten, Number(revision));
    return Number(revision);
  }

  /**
   * A deleted camera's analysis state (tracks, open alert timers, learned view, sharpness baseline)
   * goes with it: a camera created again under the same id — often a new device — would otherwise
   * continue the old tracks, or be judged against the old camera's view and raise camera_moved /
   * camera_blurred that never end (the baselines do not learn while their rule reports bad). Also
   * called for a new camera: a frame analysed while the old one was deleted may have saved it again.
   * Outside the configuration's write script and one key per command: the state keys live in their
   * cameras' hash slots, the configuration in `{config}`'s (Redis Cluster refuses a script across
   * slots). Best effort: a state left behind expires after its week.
   */
  async forgetAnalysis(cameraIds: string[]): Promise<void> {
    await Promise.all(
      cameraIds.map((id) =>
        this.redis.del(`${this.keyPrefix}${redisKeys.analyzerState(id)}`).catch((err: Error) => this.logger.warn({ cameraId: id, err: err.message }, "a deleted camera's analysis state was not deleted; it expires by itself")),
      ),
    );
  }

  private async announce(message: ConfigChangedMessage): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  private failed(err: unknown): void {
    this.metrics.configPublishes.inc({ result: 'error' });
    this.logger.error({ err: (err as Error).message }, 'camera configuration publish failed');
    this.dirty = true;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.dirty) this.publishAll().catch(() => undefined);
    }, RETRY_MS);
    this.retryTimer.unref();
  }
}

/** What ingest and the analyzer read: everything but the site, whose phone numbers they have no use for. */
export function serialize(config: CameraConfig): string {
  const { site: _site, ...published } = config;
  return JSON.stringify(published);
}
