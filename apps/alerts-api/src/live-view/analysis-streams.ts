import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { IngestStatusFollower } from './ingest-status.follower';

/**
 * Analysis goes first. A camera serves a few streams at most; while it refuses ingest's analysis
 * reader as busy, this instance's live view and picture grabs, which would take one of them, step
 * aside. Learned from ingest's status stream (IngestStatusFollower: every instance reads all of it).
 */
@Injectable()
export class AnalysisStreams implements OnModuleDestroy {
  private readonly waiting = new Set<string>();
  private readonly refusedListeners: Array<(cameraId: string) => void> = [];
  private readonly follower: IngestStatusFollower;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(SETTINGS) settings: Settings, @Inject(LOGGER) logger: Logger) {
    this.follower = new IngestStatusFollower(redis, `${settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`, (event) => this.apply(event), logger.child({ module: 'analysis-streams' }));
  }

  /** Starts following ingest's status stream (an instance that serves HTTP; a seed run needs none). */
  start(): void {
    this.follower.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.follower.stop();
  }

  /** True while the camera refuses ingest's analysis reader because it serves no more streams. */
  isWaiting(cameraId: string): boolean {
    return this.waiting.has(cameraId);
  }

  /** Called once each time a camera starts refusing the analysis reader as busy. */
  onRefused(listener: (cameraId: string) => void): void {
    this.refusedListeners.push(listener);
  }

  apply(event: CameraStatusEvent): void {
    if (event.status !== 'offline' || event.reason !== 'busy') {
      this.waiting.delete(event.cameraId);
      return;
    }
    if (this.waiting.has(event.cameraId)) return;
    this.waiting.add(event.cameraId);
    for (const listener of this.refusedListeners) listener(event.cameraId);
  }
}
