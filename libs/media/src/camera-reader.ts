// Supervises one camera's ffmpeg: raw frames out, a no-frame watchdog, respawn with back-off, and
// typed status events. A live source never ends on its own, so any exit (code 0 included) is a fault.
import { EventEmitter } from 'node:events';
import type { OfflineReason } from '@xl/contracts';
import { FALLBACK_RESPAWN_MS, respawnDelay, stableRunMs, watchdogBackoff, type BackoffPolicy } from './backoff';
import { fileFrameCommand, frameByteLength, rtspFrameCommand, type FfmpegCommandSpec } from './ffmpeg-args';
import { fluentFfmpegLauncher, type FfmpegExit, type FfmpegLauncher, type FfmpegProcess } from './ffmpeg-process';
import { classifyExit, exitDetail, FfmpegStderrParser, parseProgressTime, type PictureSize } from './ffmpeg-stderr';
import { StreamDelayWatch } from './stream-delay';
import { BufferPool } from './buffer-pool';
import type { StartGate } from './start-gate';
import { FrameReader } from './frame-reader';
import { redactUrl } from './redact';

export type ReaderSource =
  | { kind: 'rtsp'; url: string }
  /** A local clip; it ends (event 'end') instead of being respawned when ffmpeg exits 0. */
  | { kind: 'file'; path: string; realtime?: boolean; loop?: number };

/** Supervision settings, in the units of the camera configuration's `watchdog` block. */
export interface ReaderWatchdog {
  /** No frame for this long → ffmpeg is stopped and respawned (reason 'stalled'); twice this for the first frame of a start. */
  stallSeconds: number;
  /** ffmpeg's socket I/O timeout. */
  ioTimeoutSeconds: number;
  /** First respawn delay. */
  backoffInitialSeconds: number;
  /**
   * Respawn delay cap; a run that has delivered frames for this long, at most 10 s (stableRunMs),
   * starts the back-off over (a camera that drops each session soon after its first frame keeps backing off).
   */
  backoffMaxSeconds: number;
  /**
   * A live stream this many seconds behind real time is reconnected at once (restart reason
   * 'behind_live', no outage): the backlog held up on the way is dropped. 0 or absent: never.
   */
  maxDelaySeconds?: number;
}

export interface CameraReaderOptions {
  cameraId: string;
  source: ReaderSource;
  /** Frames per second sampled from the stream. */
  fps: number;
  /** Output (detector input) size. */
  width: number;
  height: number;
  watchdog: ReaderWatchdog;
  /** Between 'q' on stdin and SIGTERM, and between SIGTERM and SIGKILL. Default 1000 ms. */
  stopGraceMs?: number;
  /** Starts ffmpeg. Default: fluent-ffmpeg with the ffmpeg on the PATH. */
  launcher?: FfmpegLauncher;
  /** Random source for back-off jitter. Default Math.random. */
  random?: () => number;
  /** Sequence number of the first frame. Default Date.now(), so numbers never go back across restarts. */
  firstSeq?: number;
  logger?: ReaderLogger;
  /** Shared by a worker's readers: at most so many starting (spawned, no frame yet) at once. Default: no bound. */
  startGate?: StartGate;
  /** Epoch ms of frames and status events. Default Date.now; ingest passes the Redis server's time (RedisClock). */
  now?: () => number;
  /**
   * Monotonic ms for durations: silence, first-frame deadline, stable run, size-change calm, stream
   * delay. Default performance.now. Not `now`: the Redis clock's offset moves when it is measured
   * again, and a +7 s step fired the watchdogs of cameras that were delivering.
   */
  monotonicNow?: () => number;
}

/** The part of a pino logger the reader uses. */
export interface ReaderLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface RawFrame {
  /** width × height × 3 bytes, bgr24, letterboxed top-left. Owned by the receiver until `release()`. */
  data: Buffer;
  /**
   * Hands `data` back for reuse by a later frame. Call it once nothing reads `data` any more (after
   * the Redis write completed, or at once for a skipped frame); never calling it is safe, only slower.
   */
  release(): void;
  /** Increases by one per frame for the reader's lifetime (respawns included). */
  seq: number;
  /** Epoch ms at which the frame's last byte arrived. */
  capturedAt: number;
  width: number;
  height: number;
  /** The camera's picture size (from ffmpeg's input stream line), for letterbox metadata. */
  source: PictureSize;
}

export interface OfflineInfo {
  at: number;
  reason: OfflineReason;
  /** ffmpeg's most telling stderr line, credentials redacted. */
  detail: string;
}

/**
 * Why ffmpeg was respawned: the camera's outage reason; `source_changed` — the camera changed its
 * picture size mid-stream and a new ffmpeg letterboxes the new size; or `behind_live` — the stream
 * arrived `maxDelaySeconds` late and a new connection starts at live. The camera stays online in both.
 */
export type RestartReason = OfflineReason | 'source_changed' | 'behind_live';

export interface CameraReaderEvents {
  frame: [RawFrame];
  /** First frame ever, with no outage before it. */
  online: [{ at: number }];
  /** A run failed; emitted when the camera goes offline and again when the reason changes. */
  offline: [OfflineInfo];
  /** First frame after an outage (including one at start-up). */
  recovered: [{ at: number; downMs: number; reason: OfflineReason }];
  /** A respawn has been scheduled. */
  restart: [{ at: number; reason: RestartReason; attempt: number; delayMs: number }];
  /** A file source reached its end. */
  end: [];
  /** A live source's delay behind real time (every STATS_PERIOD_SECONDS while frames flow; stream-delay.ts). */
  delay: [{ at: number; seconds: number }];
}

/** A picture size change this long after the last one is a reconfiguration, restarted at once; sooner, a flapping camera, backed off. */
const SIZE_CHANGE_CALM_MS = 60_000;

type ReaderState = 'idle' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'ended';

/** One ffmpeg process and what is known about it. */
interface Run {
  proc: FfmpegProcess | null;
  /** Monotonic ms (monotonicNow) of the launch, its first frame (null before) and its latest frame. */
  startedMono: number;
  /** The back-off starts over once frames have flowed for the cap since this. */
  firstFrameMono: number | null;
  lastFrameMono: number | null;
  watchdogFired: boolean;
  parser: FfmpegStderrParser;
  frames: FrameReader;
  timers: NodeJS.Timeout[];
  exited: Promise<void>;
  markExited: () => void;
  warnedNoSize: boolean;
  /** The size the source changed to mid-run (ffmpeg keeps the first letterbox until it is restarted). */
  sizeChange: PictureSize | null;
  /** Frees this run's start slot: at its first frame or when it ends. */
  startDone: () => void;
  /** How far behind real time this run's stream arrives (a new connection starts afresh). */
  delay: StreamDelayWatch;
  /** Stopped because the stream fell maxDelaySeconds behind: respawned at once, not an outage. */
  behindLive: boolean;
}

export class CameraReader extends EventEmitter<CameraReaderEvents> {
  private state: ReaderState = 'idle';
  private run: Run | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private everOnline = false;
  private online = false;
  private outage: { since: number; reason: OfflineReason } | null = null;
  private nextSeq: number;
  private readonly spec: FfmpegCommandSpec;
  private readonly launcher: FfmpegLauncher;
  private readonly stallMs: number;
  /** Frames for this long (stableRunMs of the back-off cap) reset the back-off. */
  private readonly stableMs: number;
  private readonly graceMs: number;
  private readonly pool: BufferPool;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly backoff: BackoffPolicy;
  /** Source-change restarts in a row, each within SIZE_CHANGE_CALM_MS of the one before. */
  private sizeChangeStreak = 0;
  /** Monotonic ms of the last source-change restart. */
  private lastSizeChangeMono = -Infinity;
  /** Respawns so far. */
  restarts = 0;

  constructor(private readonly options: CameraReaderOptions) {
    super();
    const { source, fps, width, height, watchdog } = options;
    this.spec =
      source.kind === 'rtsp'
        ? rtspFrameCommand({ url: source.url, fps, width, height, ioTimeoutSeconds: watchdog.ioTimeoutSeconds })
        : fileFrameCommand({ path: source.path, realtime: source.realtime, loop: source.loop, fps, width, height });
    this.launcher = options.launcher ?? fluentFfmpegLauncher();
    this.stallMs = watchdog.stallSeconds * 1000;
    this.stableMs = stableRunMs(watchdog.backoffMaxSeconds * 1000);
    this.backoff = watchdogBackoff(watchdog.backoffInitialSeconds, watchdog.backoffMaxSeconds);
    if (this.backoff.initialMs < watchdog.backoffInitialSeconds * 1000) {
      options.logger?.warn(
        { camera: options.cameraId, backoffInitialSeconds: watchdog.backoffInitialSeconds, backoffMaxSeconds: watchdog.backoffMaxSeconds },
        'watchdog.backoffInitialSeconds is above backoffMaxSeconds: respawns start at backoffMaxSeconds',
      );
    }
    this.graceMs = options.stopGraceMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.nextSeq = options.firstSeq ?? Date.now();
    this.pool = new BufferPool(frameByteLength(width, height));
  }

  get cameraId(): string {
    return this.options.cameraId;
  }

  /** The command line this reader runs (for logs and benchmarks; input URL redacted by the caller). */
  get command(): FfmpegCommandSpec {
    return this.spec;
  }

  /** True between a frame and the next failure. */
  get isOnline(): boolean {
    return this.online;
  }

  /** pid of the current ffmpeg, if one runs. */
  get pid(): number | undefined {
    return this.run?.proc?.pid;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`camera ${this.options.cameraId}: reader already ${this.state}`);
    this.spawn();
  }

  /** Stops ffmpeg ('q', then SIGTERM, then SIGKILL) and stays stopped. Resolves once it exited. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const run = this.run;
    if (run) {
      this.terminate(run);
      await run.exited;
    }
    this.online = false;
    this.state = 'stopped';
  }

  private spawn(): void {
    this.retryTimer = null;
    this.state = 'running';
    const gate = this.options.startGate;
    if (!gate) return this.launch(() => undefined);
    // Waiting for a slot is not silence: the watchdog starts with the launch.
    void gate.acquire().then((release) => (this.state === 'running' && !this.run ? this.launch(release) : release()));
  }

  private launch(startDone: () => void): void {
    let markExited!: () => void;
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const run: Run = {
      proc: null,
      startedMono: this.monotonicNow(),
      firstFrameMono: null,
      lastFrameMono: null,
      watchdogFired: false,
      parser: new FfmpegStderrParser(),
      frames: new FrameReader(this.pool.size, (data) => this.onFrame(run, data), () => this.pool.acquire()),
      timers: [],
      exited,
      markExited,
      warnedNoSize: false,
      sizeChange: null,
      startDone,
      delay: new StreamDelayWatch(this.options.watchdog.maxDelaySeconds ?? 0),
      behindLive: false,
    };
    this.run = run;
    const tick = Math.min(1000, Math.max(100, this.stallMs / 4));
    run.timers.push(setInterval(() => this.checkWatchdog(run), tick));
    this.options.logger?.debug({ camera: this.options.cameraId, input: this.describeInput(), attempt: this.attempt }, 'starting ffmpeg');
    run.proc = this.launcher(this.spec, {
      onData: (chunk) => run.frames.push(chunk),
      onStderrLine: (line) => {
        const streamSeconds = parseProgressTime(line);
        if (streamSeconds !== null) this.onProgress(run, streamSeconds);
        run.parser.feed(line);
        if (!run.sizeChange && run.parser.sizeChange) this.onSizeChange(run, run.parser.sizeChange);
      },
      onExit: (exit) => this.onExit(run, exit),
    });
  }

  private onProgress(run: Run, streamSeconds: number): void {
    if (run !== this.run || this.options.source.kind !== 'rtsp') return;
    // The delay on the monotonic clock, its event stamped by `now`: a step of the Redis clock (NTP on
    // this host before the next offset measurement) stayed in the delay's baseline for the rest of
    // the connection, and as a false delay of its size reconnected every reader on the host.
    const { seconds, change, reconnect } = run.delay.observe(this.monotonicNow(), streamSeconds);
    this.emit('delay', { at: this.now(), seconds });
    const log = this.options.logger;
    const fields = { camera: this.options.cameraId, delaySeconds: Math.round(seconds * 10) / 10 };
    if (change === 'late') log?.warn(fields, 'stream arrives late: its pictures, and alerts, are behind real time (congested uplink or overloaded ingest host)');
    else if (change === 'near_live') log?.info(fields, 'stream back near real time');
    if (reconnect && !run.watchdogFired && this.state === 'running') {
      // Waiting for the backlog would keep every alert of this camera that late (and later, on a link
      // that stays too slow); a new connection starts at live and costs a few seconds without frames.
      run.behindLive = true;
      log?.warn({ ...fields, maxDelaySeconds: this.options.watchdog.maxDelaySeconds }, 'stream too far behind real time: reconnecting to drop the backlog');
      this.terminate(run);
    }
  }

  private describeInput(): string {
    const s = this.options.source;
    return s.kind === 'rtsp' ? redactUrl(s.url) : s.path;
  }

  /**
   * How long a run may go without a frame. A start (RTSP set-up, probing, waiting for a keyframe) gets
   * twice the stall time: on a busy box a first frame after 4 s is a slow start, not a dead camera,
   * and must not raise camera_offline.
   */
  private allowedSilenceMs(run: Run): number {
    return run.lastFrameMono === null ? 2 * this.stallMs : this.stallMs;
  }

  private checkWatchdog(run: Run): void {
    if (run !== this.run || run.watchdogFired || this.state !== 'running') return;
    const silentMs = this.monotonicNow() - (run.lastFrameMono ?? run.startedMono);
    if (silentMs < this.allowedSilenceMs(run)) return;
    run.watchdogFired = true;
    this.options.logger?.warn({ camera: this.options.cameraId, silentMs }, 'no frame within the stall time: restarting ffmpeg');
    this.terminate(run);
  }

  /**
   * The camera's picture size changed mid-stream. Its frames stay in the letterbox the run started
   * with (-reinit_filter 0), stretched; a live camera gets a new ffmpeg for the new size at once. A
   * file is not started again from its beginning: it plays on, stretched.
   */
  private onSizeChange(run: Run, to: PictureSize): void {
    run.sizeChange = to;
    const live = this.options.source.kind === 'rtsp';
    const from = run.parser.sourceSize;
    this.options.logger?.warn(
      { camera: this.options.cameraId, from: from && `${from.width}x${from.height}`, to: `${to.width}x${to.height}` },
      live ? 'picture size changed mid-stream: restarting ffmpeg for the new letterbox' : 'picture size changed mid-file: frames stay in the first letterbox, stretched',
    );
    if (live && run === this.run && this.state === 'running') this.terminate(run);
  }

  /** 'q' (lets ffmpeg close the RTSP session), then SIGTERM, then SIGKILL. */
  private terminate(run: Run): void {
    const proc = run.proc;
    if (!proc) return;
    proc.requestQuit();
    run.timers.push(setTimeout(() => proc.kill('SIGTERM'), this.graceMs));
    run.timers.push(setTimeout(() => proc.kill('SIGKILL'), 2 * this.graceMs));
  }

  private onFrame(run: Run, data: Buffer): void {
    if (run !== this.run || this.state !== 'running') return;
    const source = run.parser.sourceSize;
    if (!source) {
      // Letterbox metadata would be wrong without the source size; the watchdog restarts ffmpeg if
      // this persists.
      if (!run.warnedNoSize) this.options.logger?.warn({ camera: this.options.cameraId }, 'frame before the input stream size was known: dropped');
      run.warnedNoSize = true;
      this.pool.release(data);
      return;
    }
    const now = this.now();
    const mono = this.monotonicNow();
    run.firstFrameMono ??= mono;
    run.lastFrameMono = mono;
    run.startDone();
    // Not at the first frame: a camera or relay that accepts the session, sends a frame and drops it
    // was then retried at the initial delay for ever, with an offline/recovered pair every cycle.
    // A run that has delivered for stableRunMs has proven itself; its next failure starts over.
    if (mono - run.firstFrameMono >= this.stableMs) this.attempt = 0;
    if (!this.online) {
      this.online = true;
      if (this.outage) {
        const { since, reason } = this.outage;
        this.outage = null;
        this.emit('recovered', { at: now, downMs: now - since, reason });
      } else if (!this.everOnline) {
        this.emit('online', { at: now });
      }
      this.everOnline = true;
    }
    const pool = this.pool;
    let released = false;
    this.emit('frame', {
      data,
      // Once per frame: a second call after the buffer went to a newer frame must not free that one.
      release: () => {
        if (released) return;
        released = true;
        pool.release(data);
      },
      seq: this.nextSeq++,
      capturedAt: now,
      width: this.options.width,
      height: this.options.height,
      source,
    });
  }

  private onExit(run: Run, exit: FfmpegExit): void {
    run.startDone();
    for (const t of run.timers) clearTimeout(t);
    run.timers.length = 0;
    run.markExited();
    if (run !== this.run) return;
    this.run = null;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    try {
      this.afterExit(run, exit);
    } catch (err) {
      // Called from ffmpeg's exit event: a throw would end the ingest process (every camera on it
      // blind) and then the next worker to claim this camera. The camera is retried all the same.
      this.options.logger?.warn({ camera: this.options.cameraId, err: (err as Error).message, delayMs: FALLBACK_RESPAWN_MS }, 'handling the ffmpeg exit failed; respawning');
      if ((this.state === 'running' || this.state === 'waiting') && !this.retryTimer) this.respawnIn(FALLBACK_RESPAWN_MS);
    }
  }

  /** Respawn scheduled before the events are emitted: a listener that throws must not leave the camera without one. */
  private afterExit(run: Run, exit: FfmpegExit): void {
    const now = this.now();
    const mono = this.monotonicNow();
    if (run.behindLive && !run.watchdogFired) {
      // Not an outage either; at once: the delay has to build up again before another reconnect.
      this.restarts++;
      this.respawnIn(0);
      this.emit('restart', { at: now, reason: 'behind_live', attempt: 0, delayMs: 0 });
      return;
    }
    if (run.sizeChange && this.options.source.kind === 'rtsp' && !run.watchdogFired) {
      // Not an outage: no offline event; a new run that delivers nothing meets the watchdog. At once,
      // unless the camera keeps changing (within SIZE_CHANGE_CALM_MS of the last change): then backed off.
      const streak = mono - this.lastSizeChangeMono < SIZE_CHANGE_CALM_MS ? this.sizeChangeStreak + 1 : 0;
      this.sizeChangeStreak = streak;
      this.lastSizeChangeMono = mono;
      const delayMs = streak === 0 ? 0 : this.backoffDelayMs(streak);
      this.restarts++;
      this.respawnIn(delayMs);
      this.emit('restart', { at: now, reason: 'source_changed', attempt: streak, delayMs });
      return;
    }
    if (this.options.source.kind === 'file' && exit.code === 0 && !run.watchdogFired) {
      this.state = 'ended';
      this.online = false;
      this.emit('end');
      return;
    }
    const stderr = run.parser.lines();
    const reason = classifyExit({
      watchdogFired: run.watchdogFired,
      code: exit.code,
      signal: exit.signal,
      stderr,
      silentMs: mono - (run.lastFrameMono ?? run.startedMono),
      hadOutput: run.lastFrameMono !== null,
      ioTimeoutMs: this.options.watchdog.ioTimeoutSeconds * 1000,
    });
    const fallback = exit.signal ? `ffmpeg killed by ${exit.signal}` : `ffmpeg exited with code ${exit.code}`;
    const allowedS = this.allowedSilenceMs(run) / 1000;
    const detail = run.watchdogFired
      ? run.lastFrameMono === null
        ? `no first frame within ${allowedS} s`
        : `no frame for ${allowedS} s`
      : (exit.error ?? exitDetail(stderr, fallback));
    this.attempt++;
    this.restarts++;
    const delayMs = this.backoffDelayMs(this.attempt);
    this.respawnIn(delayMs);
    if (this.online || !this.outage || this.outage.reason !== reason) {
      this.online = false;
      this.outage = { since: this.outage?.since ?? now, reason };
      this.emit('offline', { at: now, reason, detail });
    }
    this.options.logger?.info({ camera: this.options.cameraId, reason, detail, attempt: this.attempt, delayMs }, 'ffmpeg ended; respawning');
    this.emit('restart', { at: now, reason, attempt: this.attempt, delayMs });
  }

  /** The back-off's delay before retry `attempt`; should it fail (settings it cannot use), FALLBACK_RESPAWN_MS: the camera is retried all the same. */
  private backoffDelayMs(attempt: number): number {
    return respawnDelay(attempt, this.backoff, this.options.random, (err) =>
      this.options.logger?.warn({ camera: this.options.cameraId, err: err.message, delayMs: FALLBACK_RESPAWN_MS }, 'respawn back-off failed; using the fallback delay'),
    );
  }

  private respawnIn(delayMs: number): void {
    this.state = 'waiting';
    this.retryTimer = setTimeout(() => this.spawn(), delayMs);
  }
}
