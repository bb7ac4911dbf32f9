// The clip service's side effects: the request and result streams in Redis, evidence files in the
// shared evidence directory (cut with ffmpeg from the camera's segments).
import { access } from 'node:fs/promises';
import path from 'node:path';
import { duplicateClient, type RedisClient } from '@xl/queue';
import { evidenceClipPath, evidenceSnapshotPath, type ClipRequest } from '@xl/contracts';
import { cutClip, keyframeSnapshot, placedFileId, type ClipPlan, type EvidenceToolOptions, type PlacedFile, type RecordedSegment } from '@xl/media';
import type { Logger } from '@xl/observability';
import { EvidenceRequestStream } from '@xl/queue';
import type { ClipRequestFeed, EvidenceWriter } from './ports';

const BLOCK_MS = 2000;

/** Follows the request stream on a connection of its own (blocking reads). */
export class RedisClipRequestFeed implements ClipRequestFeed {
  private readonly stream: EvidenceRequestStream;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly log: Logger,
  ) {
    this.stream = new EvidenceRequestStream(redis, { keyPrefix });
  }

  async since(sinceMs: number): Promise<ClipRequest[]> {
    return (await this.stream.since(sinceMs)).map((item) => item.value);
  }

  async follow(onRequest: (request: ClipRequest) => void): Promise<() => Promise<void>> {
    const conn = duplicateClient(this.redis);
    conn.on('error', (err) => this.log.warn({ err: err.message }, 'evidence request reader: redis error'));
    const blocking = new EvidenceRequestStream(conn, { keyPrefix: this.keyPrefix });
    let after = await this.stream.lastId();
    let running = true;
    const loop = (async () => {
      while (running) {
        try {
          const page = await blocking.read(after, { blockMs: BLOCK_MS });
          for (const item of page.items) onRequest(item.value);
          if (page.skipped.length) this.log.warn({ ids: page.skipped, stream: blocking.key }, 'skipping evidence request entries that are not clip requests');
          after = page.lastId ?? after;
        } catch (err) {
          if (!running) break;
          this.log.warn({ err: (err as Error).message }, 'reading evidence requests failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
    return async () => {
      running = false;
      conn.disconnect();
      await loop;
    };
  }
}

/** Evidence files under the shared directory: clips/<camera>/<alert>.mp4, snapshots/<camera>/<alert>.jpg. */
export class FileEvidenceWriter implements EvidenceWriter {
  constructor(
    private readonly evidenceDir: string,
    private readonly tools: EvidenceToolOptions = {},
  ) {}

  clipPath(cameraId: string, alertId: string): string {
    return evidenceClipPath(cameraId, alertId);
  }

  snapshotPath(cameraId: string, alertId: string): string {
    return evidenceSnapshotPath(cameraId, alertId);
  }

  async exists(relativePath: string): Promise<boolean> {
    return access(path.join(this.evidenceDir, relativePath)).then(
      () => true,
      () => false,
    );
  }

  placedId(relativePath: string): Promise<string | null> {
    return placedFileId(path.join(this.evidenceDir, relativePath));
  }

  cut(plan: ClipPlan, relativePath: string): Promise<PlacedFile> {
    return cutClip(plan, path.join(this.evidenceDir, relativePath), this.tools);
  }

  snapshot(segment: RecordedSegment, atMs: number, relativePath: string): Promise<number> {
    return keyframeSnapshot(segment, atMs, path.join(this.evidenceDir, relativePath), this.tools);
  }
}
