import { readFileSync } from 'node:fs';
import { type ModelLabels, parseCameraFile, ruleLabelIssues, type CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { CameraDirectory } from '../frame-job.processor';
import { CameraRuntime } from '../pipeline/camera-runtime';

/** The detector model this analyzer runs: its manifest name and labels. */
export type AnalyzerModel = ModelLabels;

/**
 * Why `camera` cannot run on `model`, or null: a rule class the model has no label for
 * (ruleLabelIssues), or another model — one whose labels (a custom `swimmer`) this analyzer never
 * produces.
 */
export function modelProblem(camera: CameraConfig, model: AnalyzerModel): string | null {
  if (camera.model !== model.name) return `camera '${camera.id}', model: '${camera.model}' is not the model this analyzer runs (${model.name})`;
  const issues = ruleLabelIssues(camera, model);
  return issues.length ? issues.map((issue) => `camera '${camera.id}', ${issue.field}: ${issue.message}`).join('; ') : null;
}

/**
 * The cameras the analyzer knows, with their derived runtime. From a file (standalone) or from the
 * configuration alerts-api publishes to Redis, following its change notifications; the analyzer never
 * calls the API. A camera that does not fit the loaded model (modelProblem) is refused like one that
 * fails validation.
 */
export class CameraDirectoryRepository implements CameraDirectory {
  private runtimes = new Map<string, CameraRuntime>();
  private subscription: { close(): Promise<void> } | null = null;

  constructor(
    private readonly log: Logger,
    private readonly model: AnalyzerModel,
  ) {}

  runtime(cameraId: string): CameraRuntime | undefined {
    return this.runtimes.get(cameraId);
  }

  get size(): number {
    return this.runtimes.size;
  }

  loadFile(file: string): void {
    this.replaceAll(this.accept(this.fitted({ cameras: parseCameraFile(readFileSync(file, 'utf8'), file), errors: [] }), 'file'));
  }

  /** Loads the published configuration and follows its changes. */
  async follow(store: CameraConfigStore): Promise<void> {
    this.subscription = await store.subscribe((message) => {
      const reload = message.cameraIds.length
        ? store.loadSome(message.cameraIds).then((loaded) => this.update(message.cameraIds, this.fitted(loaded)))
        : store.load().then((published) => {
            const loaded = this.fitted(published);
            this.replaceAll(this.accept(loaded), this.rejected(loaded));
          });
      reload.catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    });
    this.replaceAll(this.accept(this.fitted(await store.load())));
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  /** `loaded` with the cameras that do not fit this analyzer's model moved to its errors. */
  private fitted(loaded: LoadedCameras): LoadedCameras {
    const cameras: CameraConfig[] = [];
    const errors = [...loaded.errors];
    for (const camera of loaded.cameras) {
      const problem = modelProblem(camera, this.model);
      if (problem) errors.push({ cameraId: camera.id, message: problem });
      else cameras.push(camera);
    }
    return { cameras, errors };
  }

  /**
   * A camera whose published configuration is invalid is left out, loudly; the others keep working.
   * One this analyzer already runs keeps its last valid configuration (see rejected()).
   */
  private accept(loaded: LoadedCameras, source: 'published' | 'file' = 'published'): CameraConfig[] {
    for (const e of loaded.errors) {
      const kept = this.runtimes.has(e.cameraId);
      this.log.error(
        { camera: e.cameraId, err: e.message },
        kept ? `invalid ${source} camera configuration; camera analysed on its last valid one` : `invalid ${source} camera configuration; camera not analysed`,
      );
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
