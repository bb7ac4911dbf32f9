import { type AlertEvent, type FrameJob, isCameraHealthRule } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { RuleEvent } from '@xl/rules';
import type { AnalyzerMetrics } from './metrics';
import type { CameraRuntime } from './pipeline/camera-runtime';
import type { AnalysisResult, AnalysisState, FrameAnalyzer } from './pipeline/frame-analyzer';
import { FramePool } from './pipeline/frame-pool';
import { SnapshotSlots, type SnapshotSlot } from './pipeline/snapshot-slots';
import { renderPicture, renderSnapshot, snapshotCaption } from './pipeline/snapshot';

/** Redis side of a frame (FrameStore, InflightGate and HotMarks of @xl/queue fit these). */
export interface FrameBytesPort {
  /** Deletes the frame's bytes unread (UNLINK): a stale frame's 300 KB need not cross the network to be freed. */
  drop(key: string): Promise<void>;
  /** GETDEL into the buffer `into(length)` returns; null when expired or already taken. */
  takeInto(key: string, into: (length: number) => Uint8Array): Promise<Uint8Array | null>;
}
export interface GatePort {
  /**
   * Releases the camera's gate if `holder` (the frame key) still holds it. Must use the StatePort's
   * connection: the release is sent right after the state save and must not overtake it.
   */
  release(cameraId: string, holder: string): Promise<boolean>;
  /** Extends the camera's gate to `ttlMs` if `holder` still holds it; false when it is gone. */
  renew(cameraId: string, holder: string, ttlMs: number): Promise<boolean>;
}
export interface HotPort {
  mark(cameraId: string, ttlMs: number): Promise<void>;
}

export interface StatePort {
  load(cameraId: string): Promise<AnalysisState | null>;
  /**
   * False when a newer state is already stored — unless that is the state of `replacing` (its
   * capturedAt): a state from before the clock went back, which this one replaces.
   */
  save(cameraId: string, state: AnalysisState, replacing?: number): Promise<boolean>;
}

export interface AlertPort {
  emit(event: AlertEvent): Promise<void>;
}

export interface SnapshotPort {
  save(cameraId: string, name: string, jpeg: Buffer, at?: Date): Promise<string>;
}

/** The camera's latest picture for the console (LatestPictureRepository: a Redis key with a TTL). */
export interface PicturePort {
  /** `capturedAt`: the frame's capture time, shown with the picture (a picture may be served until its TTL ends). */
  put(cameraId: string, jpeg: Buffer, ttlMs: number, capturedAt: number): Promise<void>;
}

/** When a camera's frames were last analysed (AnalysisMarks of @xl/queue), for alerts-api's watch on analysis itself. */
export interface AnalysedPort {
  mark(cameraId: string, capturedAt: number): Promise<void>;
  /** A camera that left the directory: its mark goes (a frame in flight at its deletion wrote it again, for good). */
  forget(cameraId: string): Promise<void>;
}

/**
 * A camera's analysed mark is refreshed at most this often (capture time): alerts-api calls a camera
 * unanalysed only after a minute, and ingest's heartbeat frames keep even a still camera analysed.
 */
export const ANALYSED_MARK_INTERVAL_MS = 5000;

/**
 * A frame behind its camera's saved state by more than this — or by more than maxFrameAgeMs, if that
 * is longer — was captured after the clock went back (an NTP step on the Redis host, whose time ingest
 * stamps frames with). A late frame cannot be that far behind: it passed the staleness check, so it is
 * at most maxFrameAgeMs old, and the saved state's frame was captured before now.
 */
export const MIN_CLOCK_JUMP_MS = 5000;

export interface CameraDirectory {
  runtime(cameraId: string): CameraRuntime | undefined;
  /** Calls `listener` with each camera that leaves the directory (deleted, or no longer configured). */
  onRemoved(listener: (cameraId: string) => void): void;
}

/** The clock frames are judged by (RedisClock): measured again on demand when a frame's age is implausible. */
export interface ClockPort {
  /** Measures the offset to the clock ingest stamps frames with; now() follows it once this resolves. */
  measure(): Promise<unknown>;
  /**
   * Epoch ms by the followed clock as it ran before the Redis host's clock last stepped, while ingest
   * may not have measured that step yet and still stamp frames by it (RedisClock: a measuring interval
   * and a margin); undefined otherwise.
   */
  previousNow(): number | undefined;
}

/**
 * The clock is measured again for an implausibly aged frame at most this often (elapsed time): a
 * backlog of frames that are stale for real costs one TIME round trip a second, not one a frame.
 */
export const CLOCK_RECHECK_INTERVAL_MS = 1000;
/**
 * Frames wait this long at most for that measurement, then are judged by the last offset: a TIME that
 * never answers (a half-open connection) held every stale-looking frame, and its worker slot, for good.
 */
export const CLOCK_RECHECK_TIMEOUT_MS = 1000;

export interface FrameJobProcessorOptions {
  maxFrameAgeMs: number;
  hotTtlMs: number;
  /** A saved camera state older than this (relative to the new frame) is discarded. */
  maxStateGapMs: number;
  /** A camera's picture is stored at most this often (capture time, ms); 0 = never. */
  pictureIntervalMs: number;
  /** How long a stored picture is served; past it the API grabs one from the camera itself. */
  pictureTtlMs: number;
  /** How long an alert waits for its snapshot before it goes out without one (default SNAPSHOT_TIMEOUT_MS). */
  snapshotTimeoutMs?: number;
  /**
   * How long the camera's in-flight gate is held from each renewal while its frame is analysed
   * (renewed every third of it; INFLIGHT_TTL_MS, as ingest's). Default 5000.
   */
  gateHoldMs?: number;
  /** Monotonic ms for durations that must not follow a clock step (the hot mark's refresh). Default performance.now. */
  elapsed?: () => number;
}

/**
 * An alert waits this long for its snapshot (rendered, written to the shared volume), then goes out
 * without it: a stalled network share must delay a drowning alert by this much at most, not hold it
 * (and, frame after frame, every worker slot) for as long as the share hangs.
 */
export const SNAPSHOT_TIMEOUT_MS = 2000;

/**
 * Snapshot writes at once in the process, frames taking turns; while this many are abandoned (their
 * frame's deadline passed, the share hangs) new alerts go out without one at once: an abandoned
 * write keeps its libuv thread, and with all four of them held sharp — every snapshot, every
 * camera-wall picture — would wait for ever.
 */
export const MAX_PENDING_SNAPSHOTS = 2;

/** The camera's in-flight gate, held while a frame is analysed (FrameJobProcessor.holdGate). */
interface GateHold {
  stop(): void;
  /** True once a renewal found the gate gone. */
  lost(): boolean;
  /** True while the frame still holds the gate (renews it once more: one round trip). */
  stillHeld(): Promise<boolean>;
}

/** `clock_jump`: analysed on a fresh state because the clock went back (see MIN_CLOCK_JUMP_MS). */
export type FrameOutcome = 'analysed' | 'clock_jump' | 'stale' | 'missing' | 'unknown_camera' | 'out_of_order' | 'failed';

/** How a frame follows its camera's saved state. */
type StateRelation = 'continue' | 'gap' | 'late' | 'clock_jump';

/**
 * Handles one job of the `frames` queue: only orchestration; every side effect goes through a port.
 * Alerts are emitted before the state is saved: a worker that dies in between makes the next frame
 * re-derive the same alert, whose deterministic id the API deduplicates (at least once, idempotent).
 */
export class FrameJobProcessor {
  private readonly hotMarkedAt = new Map<string, number>();
  private readonly pictureAt = new Map<string, number>();
  private readonly analysedMarkedAt = new Map<string, number>();
  private readonly snapshotSlots = new SnapshotSlots(MAX_PENDING_SNAPSHOTS);
  /** The clock measurement in flight, which every frame judged meanwhile waits for (CLOCK_RECHECK_INTERVAL_MS). */
  private clockRecheck: Promise<void> | null = null;
  private clockRecheckedAt = -Infinity;
  /** Full-size frame buffers the stored picture rows are expanded into (padding restored). */
  private readonly framePool = new FramePool();

  constructor(
    private readonly analyzer: FrameAnalyzer,
    private readonly cameras: CameraDirectory,
    private readonly frames: FrameBytesPort,
    private readonly gate: GatePort,
    private readonly hot: HotPort,
    private readonly states: StatePort,
    private readonly alerts: AlertPort,
    private readonly snapshots: SnapshotPort,
    private readonly pictures: PicturePort,
    private readonly analysed: AnalysedPort,
    private readonly metrics: AnalyzerMetrics,
    private readonly log: Logger,
    private readonly options: FrameJobProcessorOptions,
    private readonly now: () => number = Date.now,
    private readonly clock?: ClockPort,
  ) {
    cameras.onRemoved((cameraId) => this.forget(cameraId));
  }

  /**
   * Drops what the processor and its metrics hold for a camera that left the directory: its series
   * (a deleted camera went on exporting its last live tracks for ever) and its throttles' entries (a
   * camera created again under its id starts afresh; the maps no longer grow with every id ever seen).
   */
  forget(cameraId: string): void {
    this.hotMarkedAt.delete(cameraId);
    this.pictureAt.delete(cameraId);
    this.analysedMarkedAt.delete(cameraId);
    this.metrics.forgetCamera(cameraId);
    // alerts-api deletes the mark with the camera, but a frame analysed meanwhile marks it again.
    this.analysed.forget(cameraId).catch((err: Error) => this.log.warn({ camera: cameraId, err: err.message }, "a removed camera's analysed mark not deleted"));
  }

  async process(job: FrameJob): Promise<FrameOutcome> {
    let outcome: FrameOutcome = 'failed';
    let released: Promise<unknown> | null = null;
    const holding = this.holdGate(job);
    const releaseGate = () => {
      holding.stop();
      return (released ??= this.gate.release(job.cameraId, job.key).catch((err: Error) => this.log.warn({ camera: job.cameraId, err: err.message }, 'gate release failed')));
    };
    try {
      outcome = await this.analyse(job, releaseGate, holding);
      return outcome;
    } finally {
      holding.stop();
      this.metrics.frames.inc({ outcome });
      // Always, also on failure: a held gate would stop the camera's frames until its TTL.
      await releaseGate();
    }
  }

  /**
   * Holds the camera's in-flight gate while its frame is analysed (review 2026-12-03, analyzer
   * scaling): ingest took it with a TTL that frees the camera of a dead analyzer, and a frame that
   * lawfully took longer (picked up 2.9 s old, a slow detector run, a snapshot share that stalls 2 s)
   * lost it: ingest published the camera's next frame, another worker analysed it from the same saved
   * state, and both sent their alerts — one step over a fence, two crossing alerts. Renewed every
   * third of gateHoldMs; `stillHeld` asks Redis, for the moment before alerts go out.
   */
  private holdGate(job: FrameJob): GateHold {
    const holdMs = this.options.gateHoldMs ?? 5000;
    let lost = false;
    const renew = () =>
      this.gate.renew(job.cameraId, job.key, holdMs).then(
        (held) => {
          if (!held) lost = true;
          return held;
        },
        (err: Error) => {
          this.log.warn({ camera: job.cameraId, err: err.message }, 'in-flight gate not renewed');
          return !lost; // Redis away: judged by what was last known
        },
      );
    const timer = setInterval(() => void renew(), Math.max(100, Math.floor(holdMs / 3)));
    timer.unref();
    return {
      stop: () => clearInterval(timer),
      lost: () => lost,
      stillHeld: async () => !lost && (await renew()),
    };
  }

  private async analyse(job: FrameJob, releaseGate: () => Promise<unknown>, holding: GateHold): Promise<FrameOutcome> {
    if ((await this.judgedAge(job)) > this.options.maxFrameAgeMs) {
      await this.frames.drop(job.key); // free the bytes now rather than at their TTL
      return 'stale';
    }
    const runtime = this.cameras.runtime(job.cameraId);
    if (!runtime) {
      await this.frames.drop(job.key);
      this.forget(job.cameraId); // also when its removal was missed, or its last frame was analysed after it
      return 'unknown_camera';
    }
    // Issued together: one round trip when frames share the main Redis (the connection auto-pipelines), two in parallel when FRAME_REDIS_URL names another. The picture rows land straight
    // in a pooled full-size frame whose padding rows are already there.
    const rows = job.rows ?? job.height;
    const expected = job.width * rows * 3;
    let length = expected;
    const into = (n: number) => ((length = n) === expected ? this.framePool.acquire(job.width, job.height, rows) : new Uint8Array(n));
    const [pixels, saved] = await Promise.all([this.frames.takeInto(job.key, into), this.states.load(job.cameraId)]);
    if (!pixels) return 'missing';
    if (length !== expected) throw new Error(`camera '${job.cameraId}' frame ${job.seq}: ${length} bytes, expected ${expected} (${job.width}x${rows} of ${job.width}x${job.height} bgr24)`);
    const relation = saved ? this.relation(job, saved) : 'continue';
    if (relation === 'late') {
      this.framePool.release(pixels, job.width, job.height, rows);
      return 'out_of_order';
    }
    if (relation === 'clock_jump') {
      this.log.warn({ camera: job.cameraId, capturedAt: job.capturedAt, stateAt: saved!.capturedAt, jumpMs: saved!.capturedAt - job.capturedAt }, 'clock went back: frame far behind the camera state; starting afresh');
      // Capture-time throttles would otherwise wait for the clock to catch up.
      this.pictureAt.delete(job.cameraId);
      this.analysedMarkedAt.delete(job.cameraId);
    }
    // After a long gap (camera offline, analyzer stopped) the tracks and rule timers describe another
    // scene: a person "last seen in the water" minutes ago is a camera outage, not a drowning. What the
    // camera learned (its view, its sharpness) still holds: a camera turned during an outage must not
    // have its new view learned as the right one.
    if (relation === 'gap') this.log.info({ camera: job.cameraId, gapMs: job.capturedAt - saved!.capturedAt }, 'camera state too old; starting afresh, keeping the learned view');

    const frame = { cameraId: job.cameraId, seq: job.seq, capturedAt: job.capturedAt, data: pixels, width: job.width, height: job.height, letterbox: job.letterbox, difference: job.difference ?? null, earlierDifferences: job.earlierDifferences ?? [] };
    const result = await this.analyzer.analyze(frame, runtime, saved, relation === 'continue' ? 'all' : 'learned');
    try {
      return await this.finish(job, runtime, frame, result, releaseGate, holding, relation === 'clock_jump' ? saved!.capturedAt : undefined);
    } finally {
      this.framePool.release(result.pixels, job.width, job.height, rows);
      // Removed while this frame was analysed: what finish() recorded for it would outlive the camera.
      if (!this.cameras.runtime(job.cameraId)) this.forget(job.cameraId);
    }
  }

  /**
   * The frame's age by the Redis clock. Ingest and this analyzer each measure that clock every 30 s, at
   * different moments: after a step on the Redis host, frames stamped by ingest's fresh measurement
   * look older (or younger) by the step to this analyzer's old one, and with a step of more than
   * maxFrameAgeMs every frame of every camera was dropped as stale until this analyzer measured again.
   * So a frame about to be dropped waits for a new measurement (at most one per
   * CLOCK_RECHECK_INTERVAL_MS, shared by the frames judged meanwhile) and is judged again; one from
   * the future by more than MIN_CLOCK_JUMP_MS, analysed anyway, has the clock measured without waiting.
   * When this analyzer measured a step first, measuring again changes nothing: until ingest measures
   * it too, its frames are judged by the offset before the step (ClockPort.previousNow) — a forward
   * step of more than maxFrameAgeMs otherwise dropped every frame of every camera for up to 30 s.
   */
  private async judgedAge(job: FrameJob): Promise<number> {
    const age = this.now() - job.capturedAt;
    if (age > this.options.maxFrameAgeMs) {
      const beforeStep = this.ageBeforeStep(job);
      if (beforeStep <= this.options.maxFrameAgeMs) return beforeStep;
      await this.recheckClock();
      return Math.min(this.now() - job.capturedAt, this.ageBeforeStep(job));
    }
    if (age < -MIN_CLOCK_JUMP_MS) void this.recheckClock();
    return age;
  }

  /**
   * The frame's age by the offset before the clock's last step, while ingest may still stamp by it;
   * Infinity without one, or when by that offset the frame would come from the future by more than
   * MIN_CLOCK_JUMP_MS (then it was stamped after the step: a stale frame stays stale).
   */
  private ageBeforeStep(job: FrameJob): number {
    const previousNow = this.clock?.previousNow();
    if (previousNow === undefined) return Infinity;
    const age = previousNow - job.capturedAt;
    return age < -MIN_CLOCK_JUMP_MS ? Infinity : age;
  }

  /** A new clock measurement, or the one in flight; none within CLOCK_RECHECK_INTERVAL_MS of the last. A failure keeps the last offset. */
  private recheckClock(): Promise<void> {
    if (!this.clock) return Promise.resolve();
    if (this.clockRecheck) return this.clockRecheck;
    const at = this.elapsed();
    if (at - this.clockRecheckedAt < CLOCK_RECHECK_INTERVAL_MS) return Promise.resolve();
    this.clockRecheckedAt = at;
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CLOCK_RECHECK_TIMEOUT_MS} ms`)), CLOCK_RECHECK_TIMEOUT_MS);
    });
    this.clockRecheck = Promise.race([this.clock.measure(), unanswered])
      .then(
        () => undefined,
        (err: Error) => this.log.warn({ err: err.message }, 'measuring the clock again for an implausibly aged frame failed; judging it by the last offset'),
      )
      .finally(() => {
        clearTimeout(timer);
        this.clockRecheck = null;
      });
    return this.clockRecheck;
  }

  private elapsed(): number {
    return this.options.elapsed ? this.options.elapsed() : performance.now();
  }

  /** See StateRelation; the bounds are maxStateGapMs ahead and MIN_CLOCK_JUMP_MS (or maxFrameAgeMs) behind. */
  private relation(job: FrameJob, saved: AnalysisState): StateRelation {
    const ahead = job.capturedAt - saved.capturedAt;
    if (ahead > this.options.maxStateGapMs) return 'gap';
    if (ahead > 0) return 'continue';
    return -ahead > Math.max(MIN_CLOCK_JUMP_MS, this.options.maxFrameAgeMs) ? 'clock_jump' : 'late';
  }

  /** `replacing`: the capturedAt of the saved state a clock jump made this frame replace. */
  private async finish(
    job: FrameJob,
    runtime: CameraRuntime,
    frame: { data: Uint8Array; width: number; height: number; letterbox: FrameJob['letterbox'] },
    result: AnalysisResult,
    releaseGate: () => Promise<unknown>,
    holding: GateHold,
    replacing?: number,
  ): Promise<FrameOutcome> {
    this.metrics.liveTracks.set({ camera: job.cameraId }, result.tracks.length);
    if (result.ignored > 0) this.metrics.ignoredDetections.inc({ camera: job.cameraId }, result.ignored);
    if (result.discardedState) this.log.error({ camera: job.cameraId, err: result.discardedState }, 'camera state could not be restored (another analyzer version, or corrupt): analysed afresh');
    if (result.droppedAlerts.length) {
      this.metrics.droppedAlerts.inc({ camera: job.cameraId }, result.droppedAlerts.length);
      this.log.warn({ camera: job.cameraId, dropped: result.droppedAlerts.map((d) => d.alertId), rules: [...new Set(result.droppedAlerts.map((d) => d.ruleId))] }, 'too many open alerts on the camera: the oldest dropped from its state (no end sent)');
    }

    const snapshotPaths = await this.takeSnapshots(
      result.events.filter((event) => event.kind === 'created'),
      { ...frame, data: result.pixels },
      runtime,
    );
    // The gate gone (expired, another frame of the camera admitted): that frame is analysed from the
    // same saved state and derives these alerts itself. Neither sent nor saved here: once, not twice.
    // Asked of Redis only for a frame with something to send; a renewal that failed is known anyway.
    if (holding.lost() || (result.events.length > 0 && !(await holding.stillHeld()))) {
      this.log.warn({ camera: job.cameraId, seq: job.seq, events: result.events.length }, "frame outlived its camera's in-flight gate: dropped unsent, the camera's next frame carries on");
      return 'out_of_order';
    }
    for (const event of result.events) {
      // alerts-api needs a health alert's end: a maintenance window holds its `created` back and raises
      // it when the window ends unless it ended meanwhile. Other ends change nothing there.
      if (event.kind === 'ended' && !isCameraHealthRule(event.rule)) continue;
      const snapshotPath = snapshotPaths.get(event);
      // A late stream makes the scene older than its capture time: the alert says by how much.
      const late = job.streamDelaySeconds ? { streamDelaySeconds: job.streamDelaySeconds } : {};
      await this.alerts.emit({ ...event, kind: event.kind, snapshotPath, ...late });
      this.metrics.alerts.inc({ rule: event.rule, kind: event.kind });
      this.log.info({ camera: job.cameraId, rule: event.rule, alertId: event.alertId, kind: event.kind, severity: event.severity, trackId: event.trackId, relatedAlertId: event.relatedAlertId }, event.message);
    }

    // The gate is released in the same tick as the state is saved: both go out on the data connection
    // in one auto-pipelined write (one socket write a frame fewer, ~0.3 ms here), and Redis applies the
    // save first, so the camera's next frame, admitted by the release, reads this state.
    const [stored] = await Promise.all([
      this.states.save(job.cameraId, result.state, replacing),
      result.live ? this.markHot(job.cameraId) : undefined,
      releaseGate(),
      this.markAnalysed(job.cameraId, job.capturedAt),
    ]);
    if (!stored) return 'out_of_order';
    this.metrics.frameAge.observe((this.now() - job.capturedAt) / 1000);
    // After the gate's release: the camera's next frame need not wait for the JPEG.
    await this.storePicture(job, { ...frame, data: result.pixels });
    return replacing === undefined ? 'analysed' : 'clock_jump';
  }

  /**
   * The camera wall's picture, from a frame the analyzer has anyway: no RTSP session opened on the
   * camera, and the wall fills at once. At most once per pictureIntervalMs of capture time per camera;
   * a still camera's heartbeat frames keep it fresh. A failure costs the wall a grab, never the frame.
   */
  private async storePicture(job: FrameJob, frame: { data: Uint8Array; width: number; letterbox: FrameJob['letterbox'] }): Promise<void> {
    const interval = this.options.pictureIntervalMs;
    if (interval <= 0 || job.capturedAt - (this.pictureAt.get(job.cameraId) ?? -Infinity) < interval) return;
    this.pictureAt.set(job.cameraId, job.capturedAt);
    try {
      await this.pictures.put(job.cameraId, await renderPicture(frame.data, frame.width, frame.letterbox), this.options.pictureTtlMs, job.capturedAt);
      this.metrics.pictures.inc({ result: 'stored' });
    } catch (err) {
      this.metrics.pictures.inc({ result: 'failed' });
      this.log.warn({ camera: job.cameraId, err: (err as Error).message }, 'latest picture not stored; the console grabs one from the camera');
    }
  }

  /**
   * Refreshes the hot mark at a third of its TTL, not on every frame: one Redis write saved per frame.
   * Timed on a monotonic clock: the TTL is a duration, and by the Redis clock a step back (NTP on the
   * Redis host) held the refreshes for as long as the step — the mark expired, and a person in the
   * water was analysed only at heartbeats. A failed mark is retried with the next frame, not the frame failed.
   */
  private async markHot(cameraId: string): Promise<void> {
    const now = this.elapsed();
    const ttl = this.options.hotTtlMs;
    if (now - (this.hotMarkedAt.get(cameraId) ?? -Infinity) < ttl / 3) return;
    this.hotMarkedAt.set(cameraId, now);
    try {
      await this.hot.mark(cameraId, ttl);
    } catch (err) {
      this.hotMarkedAt.delete(cameraId);
      this.log.warn({ camera: cameraId, err: (err as Error).message }, 'hot mark not stored; ingest may skip still frames until the next one');
    }
  }

  /** Rides the state save's write; a failure is logged, never the frame's (the API then reports the camera unanalysed). */
  private async markAnalysed(cameraId: string, capturedAt: number): Promise<void> {
    if (capturedAt - (this.analysedMarkedAt.get(cameraId) ?? -Infinity) < ANALYSED_MARK_INTERVAL_MS) return;
    this.analysedMarkedAt.set(cameraId, capturedAt);
    try {
      await this.analysed.mark(cameraId, capturedAt);
    } catch (err) {
      this.analysedMarkedAt.delete(cameraId);
      this.log.warn({ camera: cameraId, err: (err as Error).message }, 'analysed mark not stored');
    }
  }

  /**
   * Snapshots of a frame's created alerts, taken together under one deadline (SNAPSHOT_TIMEOUT_MS):
   * taken one after another, each with a deadline of its own, a vanish (its rule comes last) behind
   * another child's zone_enter waited out both on a stalled share, and k slow writes k times one. As
   * many as there are write slots (MAX_PENDING_SNAPSHOTS, shared with other frames) are written at
   * once, the others as slots free. A snapshot failure never blocks the alert: it goes out without one, and the error
   * is counted; so do those not written by the deadline. A write that completes later leaves a file
   * no alert holds, which the API's orphan sweep removes.
   */
  private async takeSnapshots(events: RuleEvent[], frame: SnapshotFrame, runtime: CameraRuntime): Promise<Map<RuleEvent, string>> {
    const written = new Map<RuleEvent, string>();
    if (!events.length) return written;
    const timeoutMs = this.options.snapshotTimeoutMs ?? SNAPSHOT_TIMEOUT_MS;
    const failed = (event: RuleEvent, err: Error) => {
      this.metrics.snapshotErrors.inc();
      this.log.error({ camera: runtime.camera.id, alertId: event.alertId, err: err.message }, 'snapshot failed; alert sent without it');
    };
    const settled = new Set<RuleEvent>();
    const writing = new Set<SnapshotSlot>();
    const deadlinePassed = new AbortController();
    let next = 0;
    let overdue = false;
    const lane = async () => {
      while (!overdue && next < events.length) {
        const event = events[next++];
        let slot: SnapshotSlot | undefined;
        try {
          slot = await this.snapshotSlots.acquire(deadlinePassed.signal);
          writing.add(slot);
          const snapshotPath = await this.writeSnapshot(event, frame, runtime);
          if (!overdue) written.set(event, snapshotPath);
        } catch (err) {
          if (!overdue) failed(event, err as Error);
        } finally {
          settled.add(event);
          if (slot) {
            writing.delete(slot);
            slot.release();
          }
        }
      }
    };
    const lanes = Math.min(events.length, MAX_PENDING_SNAPSHOTS);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([Promise.all(Array.from({ length: lanes }, lane)), deadline]);
    } finally {
      clearTimeout(timer);
    }
    overdue = true;
    for (const slot of writing) slot.abandon();
    deadlinePassed.abort();
    for (const event of events) if (!settled.has(event)) failed(event, new Error(`snapshot took longer than ${timeoutMs} ms (SNAPSHOT_DIR on a stalled share?)`));
    return written;
  }

  /** Renders and writes one snapshot (its write slot held by the caller). */
  private async writeSnapshot(event: RuleEvent, frame: SnapshotFrame, runtime: CameraRuntime): Promise<string> {
    const zones = runtime.camera.zones.filter((z) => z.id === event.zoneId);
    const jpeg = await renderSnapshot({ ...frame, boxes: event.boxes, zones, caption: snapshotCaption(runtime.camera.name ?? runtime.camera.id, event.capturedAt, runtime.camera.timezone) });
    return await this.snapshots.save(runtime.camera.id, `${event.alertId}-${event.capturedAt}`, jpeg, new Date(event.capturedAt));
  }
}

type SnapshotFrame = { data: Uint8Array; width: number; height: number; letterbox: FrameJob['letterbox'] };
