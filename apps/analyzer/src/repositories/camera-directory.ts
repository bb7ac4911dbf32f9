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
        : store.load().then((loaded) => this.replaceAll(this.accept(loaded), this.rejected(loaded)));
      reload.catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    });
    this.replaceAll(this.accept(await store.load()));
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  /**
   * A camera whose published configuration is invalid is left out, loudly; the others keep working.
   * One this analyzer already runs keeps its last valid configuration (see rejected()).
   */
  private accept(loaded: LoadedCameras): CameraConfig[] {
    for (const e of loaded.errors) {
      const kept = this.runtimes.has(e.cameraId);
      this.log.error({ camera: e.cameraId, err: e.message }, kept ? 'invalid published camera configuration; camera analysed on its last valid one' : 'invalid published camera configuration; camera not analysed');
    }
    return loaded.cameras;
  }

  /**
   * Cameras whose new configuration was refused and that keep running on their last valid one: a
   * rejected edit (or a newer API publishing a field this analyzer does not know yet, during a
   * rolling upgrade) must not stop the analysis of a camera that worked — its water unwatched.
   */
  private rejected(loaded: LoadedCameras): Set<string> {
    return new Set(loaded.errors.map((e) => e.cameraId).filter((id) => this.runtimes.has(id)));
  }

  private update(ids: string[], loaded: LoadedCameras): void {
    const kept = this.rejected(loaded);
    const cameras = new Map(this.accept(loaded).map((c) => [c.id, c]));
    for (const id of ids) {
      const camera = cameras.get(id);
      if (camera) this.runtimes.set(id, new CameraRuntime(camera));
      else if (!kept.has(id)) this.runtimes.delete(id);
    }
    this.log.info({ cameras: ids }, 'camera configuration updated');
  }

  private replaceAll(cameras: CameraConfig[], kept: ReadonlySet<string> = new Set()): void {
    const next = new Map(cameras.map((c) => [c.id, new CameraRuntime(c)]));
    for (const id of kept) next.set(id, this.runtimes.get(id) as CameraRuntime);
    this.runtimes = next;
    this.log.info({ cameras: next.size, keptOnLastValid: kept.size }, 'camera configuration loaded');
  }
}
