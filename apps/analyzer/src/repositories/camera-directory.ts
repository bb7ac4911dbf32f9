import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parseCamera, parseCameraFile, type CameraConfig } from '@xl/config';
import { CAMERA_CONFIG_CHANNEL, CAMERA_CONFIG_HASH, type ConfigChangedMessage } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { CameraDirectory } from '../frame-job.processor';
import { CameraRuntime } from '../pipeline/camera-runtime';

/**
 * The cameras the analyzer knows, with their derived runtime. From a file (standalone) or from the
 * configuration alerts-api publishes to Redis, following its change notifications; the analyzer never
 * calls the API.
 */
export class CameraDirectoryRepository implements CameraDirectory {
  private runtimes = new Map<string, CameraRuntime>();
  private subscriber: Redis | null = null;

  constructor(private readonly log: Logger) {}

  runtime(cameraId: string): CameraRuntime | undefined {
    return this.runtimes.get(cameraId);
  }

  get size(): number {
    return this.runtimes.size;
  }

  loadFile(file: string): void {
    this.replaceAll(parseCameraFile(readFileSync(file, 'utf8'), file));
  }

  /** Loads the published configuration and follows changes on the channel. */
  async followRedis(redis: Redis): Promise<void> {
    this.subscriber = redis.duplicate();
    this.subscriber.on('message', (_channel: string, message: string) => {
      let ids: string[] = [];
      try {
        ids = (JSON.parse(message) as ConfigChangedMessage).cameraIds ?? [];
      } catch {
        this.log.warn({ message }, 'unreadable configuration change message; reloading all');
      }
      (ids.length ? this.reload(redis, ids) : this.reloadAll(redis)).catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    });
    await this.subscriber.subscribe(CAMERA_CONFIG_CHANNEL);
    await this.reloadAll(redis);
  }

  async close(): Promise<void> {
    await this.subscriber?.quit();
  }

  private async reloadAll(redis: Redis): Promise<void> {
    const all = await redis.hgetall(CAMERA_CONFIG_HASH);
    const cameras: CameraConfig[] = [];
    for (const [id, json] of Object.entries(all)) {
      const camera = this.parse(id, json);
      if (camera) cameras.push(camera);
    }
    this.replaceAll(cameras);
  }

  private async reload(redis: Redis, ids: string[]): Promise<void> {
    const values = await redis.hmget(CAMERA_CONFIG_HASH, ...ids);
    ids.forEach((id, i) => {
      const json = values[i];
      const camera = json ? this.parse(id, json) : null;
      if (camera) this.runtimes.set(id, new CameraRuntime(camera));
      else this.runtimes.delete(id);
    });
    this.log.info({ cameras: ids }, 'camera configuration updated');
  }

  /** A camera whose published configuration is invalid is skipped, loudly; the others keep working. */
  private parse(id: string, json: string): CameraConfig | null {
    try {
      return parseCamera(JSON.parse(json));
    } catch (err) {
      this.log.error({ camera: id, err: (err as Error).message }, 'invalid published camera configuration; camera not analysed');
      return null;
    }
  }

  private replaceAll(cameras: CameraConfig[]): void {
    this.runtimes = new Map(cameras.map((c) => [c.id, new CameraRuntime(c)]));
    this.log.info({ cameras: cameras.length }, 'camera configuration loaded');
  }
}
