import { ANALYSED_AT_HASH } from '@xl/contracts';
import { hashFields } from './hash-fields';
import { PrefixedRedis, type KeyPrefixOptions } from './prefixed';

export type AnalysisMarksOptions = KeyPrefixOptions;

/**
 * When each camera's frames were last analysed (capture time, epoch ms), in one Redis hash: the
 * analyzer marks, alerts-api reads. Ingest's status says a camera delivers frames; this says the
 * detector still looks at them.
 */
export class AnalysisMarks extends PrefixedRedis {
  get key(): string {
    return this.prefix + ANALYSED_AT_HASH;
  }

  async mark(cameraId: string, capturedAt: number): Promise<void> {
    await this.redis.hset(this.key, cameraId, String(Math.round(capturedAt)));
  }

  /** Capture time of the last analysed frame of each of `cameraIds` that has one. */
  async many(cameraIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [id, raw] of await hashFields(this.redis, this.key, cameraIds)) {
      const at = Number(raw);
      if (Number.isFinite(at)) out.set(id, at);
    }
    return out;
  }

  /** A deleted camera's mark. */
  async forget(cameraId: string): Promise<void> {
    await this.redis.hdel(this.key, cameraId);
  }
}
