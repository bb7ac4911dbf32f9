import { readFile } from 'node:fs/promises';
import { parseCameraFile } from '@xl/config';
import type { Logger } from '@xl/observability';
import type { CameraConfigStore } from '@xl/queue';
import type { CameraList, CameraSource } from '../ports';

/** Cameras from a YAML/JSON file (standalone use). Read at start; SIGHUP-free: restart to change. */
export class FileCameraSource implements CameraSource {
  constructor(private readonly path: string) {}

  async load(): Promise<CameraList> {
    return { cameras: parseCameraFile(await readFile(this.path, 'utf8'), this.path), rejected: [] };
  }

  async watch(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

export interface RedisCameraSourceOptions {
  /** How often the revision key is read: a change announced while the subscriber was away is applied this late at most. */
  pollMs: number;
}

/**
 * Cameras from the configuration alerts-api publishes to Redis. Follows its change announcements,
 * reloads whenever the subscriber reconnects, and polls the revision counter (one GET), because
 * pub/sub keeps nothing for a connection that was down when a change was announced.
 */
export class RedisCameraSource implements CameraSource {
  /** Revision the cameras were last loaded at (read before them: a change in between shows as newer). */
  private loadedRevision: number | null = null;
  private polling = false;
  private last: CameraList | null = null;

  constructor(
    private readonly store: CameraConfigStore,
    private readonly log: Logger,
    private readonly options: RedisCameraSourceOptions,
  ) {}

  async load(): Promise<CameraList> {
    const revision = await this.store.revision();
    const { cameras, errors } = await this.store.load();
    this.loadedRevision = revision;
    // No revision counter and an empty hash after a list was loaded: Redis lost the published
    // configuration (restarted without AOF, flushed), not an admin removing every camera (that moves
    // the counter). The cameras keep running on the last list until alerts-api republishes (≤ 10 s).
    if (revision === 0 && !cameras.length && !errors.length && this.last?.cameras.length) {
      this.log.warn({ cameras: this.last.cameras.length }, 'published camera configuration gone from Redis: keeping the last one until it is published again');
      return this.last;
    }
    this.last = { cameras, rejected: errors };
    return this.last;
  }

  async watch(onChange: () => void): Promise<() => Promise<void>> {
    const subscription = await this.store.subscribe(() => onChange());
    const timer = setInterval(() => void this.poll(onChange), this.options.pollMs);
    return async () => {
      clearInterval(timer);
      await subscription.close();
    };
  }

  private async poll(onChange: () => void): Promise<void> {
    if (this.polling || this.loadedRevision === null) return;
    this.polling = true;
    try {
      const revision = await this.store.revision();
      if (revision !== this.loadedRevision) {
        this.log.info({ revision, loaded: this.loadedRevision }, 'camera configuration revision moved: reloading');
        onChange();
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'camera configuration revision unreadable');
    } finally {
      this.polling = false;
    }
  }
}
