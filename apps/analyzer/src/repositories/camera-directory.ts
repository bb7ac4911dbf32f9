import { readFileSync } from 'node:fs';
import { effectiveRules, type ModelLabels, parseCameraFile, ruleLabelIssues, type CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { CameraDirectory } from '../frame-job.processor';
import { CameraRuntime } from '../pipeline/camera-runtime';

/** How often the published revision is read by default (ingest's CONFIG_POLL_MS default too). */
export const CONFIG_POLL_DEFAULT_MS = 10_000;

/** The detector model this analyzer runs: its manifest name and labels. */
export type AnalyzerModel = ModelLabels;

/**
 * `camera` as this analyzer can run it, and what it had to give up. A rule class the model has no
 * label for (ruleLabelIssues: `Person`, `ship`) is dropped from the rule, and a rule left with none is
 * off — the camera's other rules, its drowning rule among them, keep running (a camera the API stored
 * before it checked this must not drop out of analysis whole). Another `model` is analysed with this
 * analyzer's, as before the check. Both are logged as errors, naming the camera, the rule and the class.
 */
export function fitToModel(camera: CameraConfig, model: AnalyzerModel): { camera: CameraConfig; problems: string[] } {
  const problems = camera.model === model.name ? [] : [`camera '${camera.id}', model: '${camera.model}' is not the model this analyzer runs; analysed with ${model.name}`];
  const issues = ruleLabelIssues(camera, model);
  if (!issues.length) return { camera, problems };
  const labels = new Set(model.labels);
  const rules = effectiveRules(camera).map((rule) => {
    if (!('classes' in rule)) return rule;
    const classes = rule.classes.filter((label) => labels.has(label));
    return classes.length === rule.classes.length ? rule : { ...rule, classes: classes.length ? classes : rule.classes, enabled: rule.enabled && classes.length > 0 };
  });
  for (const issue of issues) problems.push(`camera '${camera.id}', ${issue.field}: ${issue.message}; dropped from the rule (a rule left with no class is off)`);
  return { camera: { ...camera, rules }, problems };
}

/**
 * The cameras the analyzer knows, with their derived runtime. From a file (standalone) or from the
 * configuration alerts-api publishes to Redis, following its change notifications; the analyzer never
 * calls the API. A camera is run as fitToModel fits it to the loaded model.
 */
export class CameraDirectoryRepository implements CameraDirectory {
  private runtimes = new Map<string, CameraRuntime>();
  private subscription: { close(): Promise<void> } | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** The published revision what this analyzer runs is at; null until the first load. */
  private loadedRevision: number | null = null;
  private polling = false;
  /** Running on the last list after Redis lost the published one: the republish is read whole (it announces no removals). */
  private keptAfterLoss = false;
  private readonly removedListeners: Array<(cameraId: string) => void> = [];

  constructor(
    private readonly log: Logger,
    private readonly model: AnalyzerModel,
  ) {}

  runtime(cameraId: string): CameraRuntime | undefined {
    return this.runtimes.get(cameraId);
  }

  onRemoved(listener: (cameraId: string) => void): void {
    this.removedListeners.push(listener);
  }

  get size(): number {
    return this.runtimes.size;
  }

  loadFile(file: string): void {
    this.replaceAll(this.accept(this.fitted({ cameras: parseCameraFile(readFileSync(file, 'utf8'), file), errors: [] }), 'file'));
  }

  /**
   * Loads the published configuration and follows its changes: each announcement, and every `pollMs`
   * the revision — pub/sub keeps nothing for a subscriber that was away (on a Redis Cluster it moves
   * to another node without a reconnect to reload on), and a zone drawn meanwhile was never analysed.
   * An announcement that skips a revision means others were missed: everything is reloaded.
   */
  async follow(store: CameraConfigStore, pollMs = CONFIG_POLL_DEFAULT_MS): Promise<void> {
    const reloadAll = () =>
      this.loadAll(store).catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    this.subscription = await store.subscribe((message) => {
      if (!message.cameraIds.length || this.keptAfterLoss || this.loadedRevision === null || message.revision !== this.loadedRevision + 1) return void reloadAll();
      this.loadedRevision = message.revision;
      store
        .loadSome(message.cameraIds)
        .then((loaded) => this.update(message.cameraIds, this.fitted(loaded)))
        .catch((err: Error) => this.log.error({ err: err.message }, 'configuration reload failed'));
    });
    const revision = await store.revision();
    this.replaceAll(this.accept(this.fitted(await store.load())));
    this.loadedRevision = revision;
    this.pollTimer = setInterval(() => void this.poll(store, reloadAll), pollMs);
    this.pollTimer.unref();
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.subscription?.close();
  }

  /** Everything again, at the revision read before it (a change meanwhile is caught by the next poll). */
  private async loadAll(store: CameraConfigStore): Promise<void> {
    const revision = await store.revision();
    const loaded = this.fitted(await store.load());
    this.loadedRevision = revision;
    // No revision counter and an empty hash while cameras run: Redis lost the published configuration
    // (restarted without AOF, flushed); removing every camera moves the counter. The cameras keep their
    // configuration and their tracks until alerts-api republishes (within 10 s).
    if (revision === 0 && !loaded.cameras.length && !loaded.errors.length && this.runtimes.size) {
      this.log.warn({ cameras: this.runtimes.size }, 'published camera configuration gone from Redis: keeping the last one until it is published again');
      this.keptAfterLoss = true;
      return;
    }
    this.keptAfterLoss = false;
    this.replaceAll(this.accept(loaded), this.rejected(loaded));
  }

  private async poll(store: CameraConfigStore, reloadAll: () => Promise<void>): Promise<void> {
    if (this.polling || this.loadedRevision === null) return;
    this.polling = true;
    try {
      const revision = await store.revision();
      if (revision !== this.loadedRevision) {
        this.log.warn({ revision, loaded: this.loadedRevision }, 'camera configuration revision moved without its announcement: reloading');
        await reloadAll();
      }
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'camera configuration revision unreadable');
    } finally {
      this.polling = false;
    }
  }

  /** `loaded` with each camera fitted to this analyzer's model (fitToModel), what it gave up logged. */
  private fitted(loaded: LoadedCameras): LoadedCameras {
    const cameras = loaded.cameras.map((camera) => {
      const fit = fitToModel(camera, this.model);
      if (fit.problems.length) this.log.error({ camera: camera.id, err: fit.problems.join('; ') }, 'camera configuration does not fit the model; analysed without what it lacks');
      return fit.camera;
    });
    return { cameras, errors: loaded.errors };
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
      else if (!kept.has(id) && this.runtimes.delete(id)) this.removed(id);
    }
    this.log.info({ cameras: ids }, 'camera configuration updated');
  }

  private replaceAll(cameras: CameraConfig[], kept: ReadonlySet<string> = new Set()): void {
    const next = new Map(cameras.map((c) => [c.id, new CameraRuntime(c)]));
    for (const id of kept) next.set(id, this.runtimes.get(id) as CameraRuntime);
    const gone = [...this.runtimes.keys()].filter((id) => !next.has(id));
    this.runtimes = next;
    for (const id of gone) this.removed(id);
    this.log.info({ cameras: next.size, keptOnLastValid: kept.size }, 'camera configuration loaded');
  }

  private removed(cameraId: string): void {
    for (const listener of this.removedListeners) listener(cameraId);
  }
}
