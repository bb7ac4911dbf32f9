import { Inject, Injectable } from '@nestjs/common';
import { AnalysisMarks, type RedisClient } from '@xl/queue';
import { REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';

/** When each camera's frames were last analysed (written by the analyzer, `xl:analysed-at`). */
@Injectable()
export class AnalysisMarksRepository {
  private readonly marks: AnalysisMarks;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(SETTINGS) settings: Settings) {
    this.marks = new AnalysisMarks(redis, { keyPrefix: settings.redisKeyPrefix });
  }

  /** Capture time (epoch ms) of the last analysed frame of each camera that has one. */
  many(cameraIds: readonly string[]): Promise<Map<string, number>> {
    return this.marks.many(cameraIds);
  }

  forget(cameraId: string): Promise<void> {
    return this.marks.forget(cameraId);
  }
}
