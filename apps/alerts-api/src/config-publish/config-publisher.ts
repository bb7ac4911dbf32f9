import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { RedisClient } from '@xl/queue';
import type { CameraConfig } from '@xl/config';
import { CAMERA_CONFIG_CHANNEL, CAMERA_CONFIG_HASH, redisKeys, type ConfigChangedMessage } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { CamerasRepository } from '../cameras/cameras.repository';
import { ApiMetrics } from '../core/api-metrics';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

const RETRY_MS = 5000;
/** How often the publisher checks that Redis still holds what it published (one EXISTS). */
export const CONFIG_CHECK_MS = 10_000;

/**
 * Publishes the effective camera configuration to Redis for ingest and analyzer, which never call
 * the API: the hash CAMERA_CONFIG_HASH (cameraId → CameraConfig JSON) plus a ConfigChangedMessage
 * on CAMERA_CONFIG_CHANNEL. The database is the source of truth; when Redis is unreachable the
 * whole configuration is republished as soon as it answers again, and when Redis has lost it
 * (restarted without persistence, flushed, failed over to a replica that had not got it): ingest and
 * analyzer keep theirs in memory, but one started after the loss would find no cameras.
 */
@Injectable()
export class ConfigPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private dirty = false;
  private retryTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private published = false;
  private readonly keyPrefix: string;
  readonly hashKey: string;
  readonly revisionKey: string;
  readonly channel: string;

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
    this.channel = `${settings.redisKeyPrefix}${CAMERA_CONFIG_CHANNEL}`;
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

  /** The revision counter exists from the first publish on; gone, Redis lost the configuration. */
  async republishIfLost(): Promise<boolean> {
    if (!this.published || (await this.redis.exists(this.revisionKey))) return false;
    this.logger.warn({ key: this.revisionKey }, 'camera configuration gone from Redis (restarted without persistence or flushed); publishing it again');
    await this.publishAll();
    return true;
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.checkTimer);
    this.checkTimer = undefined;
  }

  /** Republishes one camera (or removes it when it no longer exists). */
  async publishCamera(cameraId: string): Promise<void> {
    try {
      const record = await this.cameras.get(cameraId);
      const tx = this.redis.multi();
      if (record) tx.hset(this.hashKey, cameraId, serialize(record.config));
      else tx.hdel(this.hashKey, cameraId);
      tx.incr(this.revisionKey);
      const revision = lastResult(await tx.exec());
      if (!record) await this.forgetAnalysis([cameraId]);
      await this.announce({ cameraIds: [cameraId], revision });
      this.metrics.configPublishes.inc({ result: 'ok' });
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /** Publishes every camera and removes the ones that no longer exist; announces "reload all". */
  async publishAll(): Promise<void> {
    try {
      const records = await this.cameras.all();
      const wanted = new Set(records.map((r) => r.config.id));
      const stale = (await this.redis.hkeys(this.hashKey)).filter((id) => !wanted.has(id));
      const tx = this.redis.multi();
      if (records.length) tx.hset(this.hashKey, Object.fromEntries(records.map((r) => [r.config.id, serialize(r.config)])));
      if (stale.length) tx.hdel(this.hashKey, ...stale);
      tx.incr(this.revisionKey);
      const revision = lastResult(await tx.exec());
      await this.forgetAnalysis(stale);
      await this.announce({ cameraIds: [], revision });
      this.dirty = false;
      this.published = true;
      this.metrics.configPublishes.inc({ result: 'ok' });
      this.logger.info({ cameras: records.length, removed: stale.length, revision }, 'camera configuration published');
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  /**
   * A deleted camera's analysis state (tracks, open alert timers, learned view, sharpness baseline)
   * goes with it: a camera created again under the same id — often a new device — would otherwise
   * continue the old tracks, or be judged against the old camera's view and raise camera_moved /
   * camera_blurred that never end (the baselines do not learn while their rule reports bad). Also
   * called for a new camera: a frame analysed while the old one was deleted may have saved it again.
   * Outside the configuration's transaction and one key per command: the state keys live in their
   * cameras' hash slots, the configuration in `{config}`'s (Redis Cluster refuses a transaction across
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

function lastResult(results: [Error | null, unknown][] | null): number {
  if (!results) throw new Error('redis transaction aborted');
  for (const [err] of results) if (err) throw err;
  return Number(results[results.length - 1][1]);
}
