// Camera ownership for one ingest worker: follow the camera list, hold leases on a fair share of it
// (capped by capacity), run a pipeline per owned camera, hand cameras back on shutdown. The leases
// are kept alive by LeaseKeeper, on a path of its own that nothing here can hold up.
import type { CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import { fairShare } from '@xl/queue';
import type { IngestMetrics } from '../metrics';
import type { CameraSource, Leases, RejectedCamera } from '../ports';
import { ingestView } from './camera-changes';
import { LeaseKeeper } from './lease-keeper';

/** A running camera pipeline as the service sees it. */
export interface Pipeline {
  start(): void;
  /** Resolves once the camera's streams are closed (reader, recorder): its lease may go then. */
  stop(): Promise<void>;
}

export interface IngestServiceDeps {
  cameras: CameraSource;
  leases: Leases;
  pipelines: (camera: CameraConfig) => Pipeline;
  metrics: IngestMetrics;
  log: Logger;
}

export interface IngestServiceOptions {
  /** Most cameras this worker runs. */
  capacity: number;
  /** Period of the lease round (heartbeat and renewal, then claim or shed). */
  tickMs: number;
  /** LEASE_TTL_MS: a lease not renewed for most of it is fenced (its camera stopped). */
  leaseTtlMs: number;
  /** STOP_GRACE_MS: a fenced camera gets 2 × this (plus an allowance) to stop before its lease expires. */
  stopGraceMs: number;
  /** Random source for the claim order. Default Math.random. */
  random?: () => number;
  /** Monotonic clock of the lease fence. Default performance.now. */
  monotonicNow?: () => number;
}

interface Owned {
  camera: CameraConfig;
  /** ingestView() of the configuration the pipeline runs with. */
  view: string;
  pipeline: Pipeline;
  /** A restart in progress: the previous pipeline stopping, this one starting after it. */
  settling: Promise<void>;
}

export class IngestService {
  private enabled = new Map<string, CameraConfig>();
  /** Rejected published configurations as last reported: each is logged and counted once. */
  private rejected = new Map<string, string>();
  private readonly owned = new Map<string, Owned>();
  /** Cameras stopping → settled once stopped and, where still ours, released. Not claimed meanwhile. */
  private readonly leaving = new Map<string, Promise<void>>();
  private readonly keeper: LeaseKeeper;
  private timers: NodeJS.Timeout[] = [];
  private unwatch: (() => Promise<void>) | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  private balanceQueued = false;
  /** A reload queued by a change announcement and not begun yet: later announcements join it. */
  private reloadQueued = false;
  private stopping = false;
  private loaded = false;
  /** Cameras beyond what the live workers can read, as last logged. */
  private shortfall = 0;

  constructor(
    private readonly deps: IngestServiceDeps,
    private readonly options: IngestServiceOptions,
  ) {
    this.keeper = new LeaseKeeper(
      {
        leases: deps.leases,
        metrics: deps.metrics,
        log: deps.log,
        onLost: (ids) => void this.drop(ids, false),
        onFenced: (ids) => void this.drop(ids, true),
      },
      { ttlMs: options.leaseTtlMs, stopGraceMs: options.stopGraceMs, renewEveryMs: options.tickMs, now: options.monotonicNow },
    );
  }

  /** Camera ids this worker owns now. */
  get ownedIds(): string[] {
    return [...this.owned.keys()];
  }

  /** Camera ids this worker owns or is still stopping. */
  get heldIds(): string[] {
    return [...this.owned.keys(), ...this.leaving.keys()];
  }

  /** The enabled camera's configuration as last loaded. */
  cameraConfig(cameraId: string): CameraConfig | undefined {
    return this.enabled.get(cameraId);
  }

  /** The camera list was loaded at least once. */
  get ready(): boolean {
    return this.loaded && !this.stopping;
  }

  async start(): Promise<void> {
    this.unwatch = await this.deps.cameras.watch(() => this.queueReload());
    await this.reload();
    await this.tick();
    this.timers = [
      setInterval(() => this.round(), this.options.tickMs),
    ];
    this.keeper.watchFence();
  }

  /**
   * A change announced: one reload queued at most, which every announcement before it begins joins —
   * a sync of N cameras announces N changes, and N full reloads (each the whole list parsed, on the
   * loop that reads the frames) held the claim rounds behind them.
   */
  private queueReload(): void {
    if (this.reloadQueued) return;
    this.reloadQueued = true;
    this.exclusive(async () => {
      this.reloadQueued = false;
      await this.reloadNow();
    }).catch((err: Error) => this.deps.log.error({ err: err.message }, 'camera reload failed'));
  }

  /** Reloads the camera list; restarts owned cameras whose reader configuration changed, drops removed ones. */
  reload(): Promise<void> {
    return this.exclusive(() => this.reloadNow());
  }

  private async reloadNow(): Promise<void> {
    if (this.stopping) return;
    const { cameras, rejected } = await this.deps.cameras.load();
    const next = new Map(cameras.filter((c) => c.enabled).map((c) => [c.id, c]));
    this.keepRejected(rejected, next);
    this.enabled = next;
    this.loaded = true;
    const gone: string[] = [];
    const restarted: string[] = [];
    const restarts: Promise<void>[] = [];
    for (const [id, owned] of this.owned) {
      const camera = next.get(id);
      if (!camera) gone.push(id);
      else if (ingestView(camera) !== owned.view) {
        restarted.push(id);
        restarts.push(this.restart(owned, camera));
      } else owned.camera = camera; // a name, zone or rule: the analyzer's, nothing to restart here
    }
    const { log } = this.deps;
    if (restarted.length) log.info({ cameras: restarted }, 'camera configuration changed: restarting reader and recorder');
    if (gone.length) log.info({ cameras: gone }, 'cameras removed or disabled: releasing');
    // In parallel: one camera slow to stop holds up no other.
    await Promise.all([...restarts, this.drop(gone, true)]);
    log.info({ cameras: this.enabled.size, owned: this.owned.size }, 'camera list loaded');
  }

  /** One lease round, awaited: heartbeat and renewal, then claim up to or shed down to the fair share. */
  async tick(): Promise<void> {
    await this.keeper.renew();
    await this.balance();
  }

  /** Heartbeat and renewal alone, as the timer runs them: queued behind nothing. */
  renewLeases(): Promise<void> {
    return this.keeper.renew();
  }


  /** Stops every reader, releases every lease as soon as its camera stopped, leaves the worker set. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.keeper.retire();
    // The timers run on (renewal only, no claims) until every camera is stopped: a lease that
    // expired meanwhile would be taken by another worker while this one still reads the camera.
    await this.exclusive(async () => {
      await this.unwatch?.().catch(() => undefined);
      await this.drop(this.ownedIds, true);
      await Promise.all(this.leaving.values());
      await this.keeper.idle();
      await this.deps.leases.leave().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'leaving the worker set failed'));
      this.deps.metrics.owned.set(0);
    });
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.keeper.unwatchFence();
  }

  /**
   * Timer: renewal on its own, never queued behind a reload; then a claim round unless one is waiting.
   * The claim round waits for this round's heartbeat: it shares the cameras by the live workers the
   * heartbeat counts, and started beside it, it worked from the previous round's count — a killed
   * worker's cameras were taken one interval later than LEASE_TTL_MS + CLAIM_INTERVAL_MS (review
   * 2026-12-03, ingest scaling).
   */
  private round(): void {
    const renewed = this.renewLeases();
    if (this.balanceQueued) return;
    this.balanceQueued = true;
    void renewed
      .catch(() => undefined) // logged by the keeper; the claim round goes ahead on the last count
      .then(() => this.balance())
      .finally(() => (this.balanceQueued = false));
  }

  private balance(): Promise<void> {
    return this.exclusive(async () => {
      if (this.stopping) return;
      const { leases, log, metrics } = this.deps;
      const live = this.keeper.live;
      try {
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
            [...this.enabled.keys()].filter((id) => !this.owned.has(id) && !this.leaving.has(id)),
            this.options.random ?? Math.random,
          );
          const sentAt = this.keeper.stamp();
          // What was claimed runs even when other claims failed: those leases are this worker's,
          // and no other worker can take them before they expire.
          const { claimed, failed } = await leases.claim(free, -excess);
          this.keeper.hold(claimed, sentAt);
          for (const id of claimed) this.run(this.enabled.get(id)!);
          if (claimed.length) log.info({ cameras: claimed, owned: this.owned.size, target, live }, 'cameras claimed');
          if (failed.length) {
            metrics.leaseErrors.inc();
            log.error({ cameras: failed.map((f) => f.cameraId), err: failed[0].error.message }, 'claiming leases failed; the next round tries again');
          }
        }
      } catch (err) {
        metrics.leaseErrors.inc();
        log.error({ err: (err as Error).message }, 'lease round failed');
      }
      metrics.owned.set(this.owned.size);
    });
  }

  /**
   * A camera whose newly published configuration fails validation keeps running on its last valid
   * one: treating it as removed would stop a working camera over a typo. One that never had a valid
   * configuration here is left out.
   */
  private keepRejected(rejected: RejectedCamera[], next: Map<string, CameraConfig>): void {
    const { log, metrics } = this.deps;
    const reported = new Map<string, string>();
    for (const { cameraId, message } of rejected) {
      const last = this.enabled.get(cameraId);
      if (last) next.set(cameraId, last);
      reported.set(cameraId, message);
      if (this.rejected.get(cameraId) === message) continue;
      metrics.configRejected.inc({ camera: cameraId });
      if (last) log.error({ camera: cameraId, err: message }, 'published camera configuration rejected: the camera keeps running on its last valid configuration');
      else log.error({ camera: cameraId, err: message }, 'invalid published camera configuration; camera not ingested');
    }
    this.rejected = reported;
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
    this.owned.set(camera.id, { camera, view: ingestView(camera), pipeline, settling: Promise.resolve() });
    pipeline.start();
  }

  /** The lease stays; the new pipeline starts once the previous one has let go of the camera. */
  private restart(owned: Owned, camera: CameraConfig): Promise<void> {
    const previous = owned.pipeline;
    const next = this.deps.pipelines(camera);
    Object.assign(owned, { camera, view: ingestView(camera), pipeline: next });
    owned.settling = owned.settling
      .then(() => this.stopPipeline(camera.id, previous))
      .then(() => {
        if (this.owned.get(camera.id) === owned && owned.pipeline === next) next.start();
      });
    return owned.settling;
  }

  /**
   * Stops the cameras in parallel; each lease, when still ours, is released as soon as that camera
   * has stopped (renewed until then), so the next owner need not wait for it to expire.
   */
  private drop(ids: string[], release: boolean): Promise<void> {
    const stopped = ids.flatMap((id) => {
      const owned = this.owned.get(id);
      if (!owned) return [];
      this.owned.delete(id);
      const left: Promise<void> = owned.settling
        .then(() => this.stopPipeline(id, owned.pipeline))
        .then(() => (release ? this.release(id) : undefined))
        .finally(() => {
          if (this.leaving.get(id) === left) this.leaving.delete(id);
        });
      this.leaving.set(id, left);
      return [left];
    });
    this.deps.metrics.owned.set(this.owned.size);
    return Promise.all(stopped).then(() => undefined);
  }

  private async release(id: string): Promise<void> {
    this.keeper.forget([id]);
    const { failed } = await this.deps.leases.release([id]).catch((error: Error) => ({ failed: [{ cameraId: id, error }] }));
    if (failed.length) this.deps.log.warn({ camera: id, err: failed[0].error.message }, 'releasing the lease failed; it expires by itself');
  }

  private stopPipeline(id: string, pipeline: Pipeline): Promise<void> {
    return pipeline.stop().catch((err: Error) => this.deps.log.error({ camera: id, err: err.message }, 'stopping the camera failed'));
  }

  /** Reloads, claim rounds and shutdown never interleave (renewal is not among them). */
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
