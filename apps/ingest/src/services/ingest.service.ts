// Camera ownership for one ingest worker: follow the camera list, hold leases on a fair share of it
// (capped by capacity), run a pipeline per owned camera, hand cameras back on shutdown.
import type { CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import { fairShare } from '@xl/queue';
import type { IngestMetrics } from '../metrics';
import type { CameraSource, LeasePort } from '../ports';

/** A running camera pipeline as the service sees it. */
export interface Pipeline {
  start(): void;
  stop(): Promise<void>;
}

export interface IngestServiceDeps {
  cameras: CameraSource;
  leases: LeasePort;
  pipelines: (camera: CameraConfig) => Pipeline;
  metrics: IngestMetrics;
  log: Logger;
}

export interface IngestServiceOptions {
  /** Most cameras this worker runs. */
  capacity: number;
  /** Period of the lease round (heartbeat, renew, claim or shed). */
  tickMs: number;
  /** Random source for the claim order. Default Math.random. */
  random?: () => number;
}

interface Owned {
  camera: CameraConfig;
  json: string;
  pipeline: Pipeline;
}

export class IngestService {
  private enabled = new Map<string, CameraConfig>();
  private readonly owned = new Map<string, Owned>();
  private timer: NodeJS.Timeout | null = null;
  private unwatch: (() => Promise<void>) | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private loaded = false;
  /** Cameras beyond what the live workers can read, as last logged. */
  private shortfall = 0;

  constructor(
    private readonly deps: IngestServiceDeps,
    private readonly options: IngestServiceOptions,
  ) {}

  /** Camera ids this worker owns now. */
  get ownedIds(): string[] {
    return [...this.owned.keys()];
  }

  /** The camera list was loaded at least once. */
  get ready(): boolean {
    return this.loaded && !this.stopping;
  }

  async start(): Promise<void> {
    this.unwatch = await this.deps.cameras.watch(() => void this.reload().catch((err: Error) => this.deps.log.error({ err: err.message }, 'camera reload failed')));
    await this.reload();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
  }

  /** Reloads the camera list; restarts owned cameras whose configuration changed, drops removed ones. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      const cameras = await this.deps.cameras.load();
      this.enabled = new Map(cameras.filter((c) => c.enabled).map((c) => [c.id, c]));
      this.loaded = true;
      const gone: string[] = [];
      for (const [id, owned] of this.owned) {
        const camera = this.enabled.get(id);
        if (!camera) gone.push(id);
        else if (JSON.stringify(camera) !== owned.json) {
          this.deps.log.info({ camera: id }, 'camera configuration changed: restarting its reader');
          await owned.pipeline.stop();
          this.run(camera);
        }
      }
      if (gone.length) {
        this.deps.log.info({ cameras: gone }, 'cameras removed or disabled: releasing');
        await this.drop(gone, true);
      }
      this.deps.log.info({ cameras: this.enabled.size, owned: this.owned.size }, 'camera list loaded');
    });
  }

  /** One lease round: heartbeat, renew, then claim up to or shed down to the fair share. */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      if (this.stopping) return;
      const { leases, log, metrics } = this.deps;
      try {
        const live = await leases.heartbeat();
        const lost = await leases.renew(this.ownedIds);
        if (lost.length) {
          log.warn({ cameras: lost }, 'leases lost: another worker owns these cameras now');
          await this.drop(lost, false);
        }
        this.reportShortfall(live);
        const target = fairShare(this.enabled.size, live, this.options.capacity);
        const excess = this.owned.size - target;
        if (excess > 0) {
          // Newest first: the cameras this worker took over most recently go back first.
          const shed = this.ownedIds.slice(-excess);
          log.info({ cameras: shed, target, live }, 'above fair share: handing cameras back');
          await this.drop(shed, true);
        } else if (excess < 0) {
          const free = shuffle(
            [...this.enabled.keys()].filter((id) => !this.owned.has(id)),
            this.options.random ?? Math.random,
          );
          const claimed = await leases.claim(free, -excess);
          for (const id of claimed) this.run(this.enabled.get(id)!);
          if (claimed.length) log.info({ cameras: claimed, owned: this.owned.size, target, live }, 'cameras claimed');
        }
      } catch (err) {
        metrics.leaseErrors.inc();
        log.error({ err: (err as Error).message }, 'lease round failed');
      }
      metrics.owned.set(this.owned.size);
    });
  }

  /** Stops every reader, releases every lease, leaves the worker set. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.exclusive(async () => {
      await this.unwatch?.().catch(() => undefined);
      await this.drop(this.ownedIds, true);
      await this.deps.leases.leave().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'leaving the worker set failed'));
      this.deps.metrics.owned.set(0);
    });
  }

  /**
   * Enabled cameras beyond the live workers' capacity are read by nobody: no alert can fire there.
   * alerts-api reports such cameras as unanalysed; the workers' logs say why (once per change).
   */
  private reportShortfall(live: number): void {
    const { capacity } = this.options;
    const shortfall = Math.max(0, this.enabled.size - live * capacity);
    if (shortfall === this.shortfall) return;
    if (shortfall > 0) {
      this.deps.log.warn(
        { cameras: this.enabled.size, workers: live, capacity, unread: shortfall },
        `${shortfall} enabled camera(s) are read by no ingest worker: ${live} worker(s) × INGEST_CAPACITY ${capacity} < ${this.enabled.size}; add workers or raise INGEST_CAPACITY`,
      );
    } else {
      this.deps.log.info({ cameras: this.enabled.size, workers: live, capacity }, 'every enabled camera has an ingest worker again');
    }
    this.shortfall = shortfall;
  }

  private run(camera: CameraConfig): void {
    const pipeline = this.deps.pipelines(camera);
    this.owned.set(camera.id, { camera, json: JSON.stringify(camera), pipeline });
    pipeline.start();
  }

  /** Stops the pipelines (in parallel) and, when they are still ours, releases the leases. */
  private async drop(ids: string[], release: boolean): Promise<void> {
    const stopping = ids.map((id) => this.owned.get(id)?.pipeline.stop());
    for (const id of ids) this.owned.delete(id);
    await Promise.all(stopping);
    if (release && ids.length) {
      await this.deps.leases.release(ids).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'releasing leases failed; they expire by themselves'));
    }
  }

  /** Reloads, lease rounds and shutdown never interleave. */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const next = this.serial.then(fn, fn);
    this.serial = next.catch(() => undefined);
    return next;
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
