import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { CAMERA_STATUS_STREAM, type CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import { KYSELY, LOGGER, REDIS } from '../core/tokens';
import type { Database } from '../db/schema';
import { SETTINGS, type Settings } from '../settings';
import { IngestStatusFollower } from './ingest-status.follower';

/**
 * Analysis goes first. A camera serves a few streams at most; while it refuses ingest's analysis
 * reader as busy, this instance's live view and picture grabs, which would take one of them, step
 * aside. Learned from ingest's status stream (IngestStatusFollower: every instance reads all of it),
 * and at start from the stored camera status of cameras whose refusal the stream no longer holds.
 */
@Injectable()
export class AnalysisStreams implements OnModuleDestroy {
  private readonly waiting = new Set<string>();
  private readonly refusedListeners: Array<(cameraId: string) => void> = [];
  private readonly follower: IngestStatusFollower;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(KYSELY) private readonly db: Kysely<Database>,
    @Inject(SETTINGS) settings: Settings,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.follower = new IngestStatusFollower(redis, `${settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`, (event) => this.apply(event), logger.child({ module: 'analysis-streams' }), {
      storedStatuses: () => this.storedRefusals(),
    });
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

  /**
   * Called on each busy refusal ingest reports, also for a camera already waiting: ingest reports a
   * refusal once per reader's outage, and a camera disabled and enabled again gets a new reader whose
   * refusal is the only word on it. Its live view, opened while it was disabled, must stop then.
   */
  onRefused(listener: (cameraId: string) => void): void {
    this.refusedListeners.push(listener);
  }

  /**
   * Cameras stored as refusing ingest's analysis reader as busy (CameraStatusService keeps an offline
   * event's reason, and clears it on any other status), as the events that stored them.
   */
  private async storedRefusals(): Promise<CameraStatusEvent[]> {
    const rows = await this.db
      .selectFrom('camera_status')
      .select(['camera_id', 'detail', 'updated_at', 'ingest_id'])
      .where('status', '=', 'offline')
      .where('reason', '=', 'busy')
      .orderBy('updated_at')
      .execute();
    return rows.map((row) => ({ cameraId: row.camera_id, status: 'offline', reason: 'busy', detail: row.detail ?? undefined, at: Number(row.updated_at), ingestId: row.ingest_id ?? 'unknown' }));
  }

  apply(event: CameraStatusEvent): void {
    if (event.status !== 'offline' || event.reason !== 'busy') {
      this.waiting.delete(event.cameraId);
      return;
    }
    // Every refusal, not only the change into waiting: one the camera already waited from (refused,
    // then disabled and watched live, then enabled again) would otherwise leave that live view holding
    // the stream analysis waits for (review 2026-12-03 live view, finding 2). The listeners' stop is idempotent.
    this.waiting.add(event.cameraId);
    for (const listener of this.refusedListeners) listener(event.cameraId);
  }
}
