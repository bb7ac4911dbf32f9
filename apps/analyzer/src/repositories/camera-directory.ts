import { readFileSync } from 'node:fs';
import { parseCameraFile, type CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { CameraDirectory } from '../frame-job.processor';
import { CameraRuntime } from '../pipeline/camera-runtime';

/**
 * The cameras the analyzer knows, with their derived runtime. From a file (standalone) or from the
 * configuration alerts-api publishes to Redis, following its change notifications; the analyzer never
 * calls the API.
 */
export class CameraDirectoryRepository implements CameraDirectory {
  private runtimes = new Map<string, CameraRuntime>();
  private subscription: { close(): Promise<void> } | null = null;

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

  /** Loads the published configuration and follows its changes. */
  async follow(store: CameraConfigStore): Promise<void> {
    this.subscription = await store.subscribe((message) => {
      const reload = message.cameraIds.length
        ? store.loadSome(message.cameraIds).then((loaded) => this.update(message.cameraIds, loaded))
        : store.load().then((loaded) => this.replaceAll(this.accept(loaded)));
      reload.catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    });
    this.replaceAll(this.accept(await store.load()));
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  /** A camera whose published configuration is invalid is skipped, loudly; the others keep working. */
  private accept(loaded: LoadedCameras): CameraConfig[] {
    for (const e of loaded.errors) this.log.error({ camera: e.cameraId, err: e.message }, 'invalid published camera configuration; camera not analysed');
    return loaded.cameras;
  }

  private update(ids: string[], loaded: LoadedCameras): void {
    const cameras = new Map(this.accept(loaded).map((c) => [c.id, c]));
    for (const id of ids) {
      const camera = cameras.get(id);
      if (camera) this.runtimes.set(id, new CameraRuntime(camera));
      else this.runtimes.delete(id);
    }
    this.log.info({ cameras: ids }, 'camera configuration updated');
  }

  private replaceAll(cameras: CameraConfig[]): void {
    this.runtimes = new Map(cameras.map((c) => [c.id, new CameraRuntime(c)]));
    this.log.info({ cameras: cameras.length }, 'camera configuration loaded');
  }
}
