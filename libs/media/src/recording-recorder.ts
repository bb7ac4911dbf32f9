// One camera's rolling recording: a supervised `ffmpeg -c copy` writing keyframe-aligned segments
// into the camera's directory, each renamed `<start ms>-<length ms>.ts` once closed, and segments
// older than the window deleted (unless a pending clip still needs them). Like the frame reader it
// treats every exit as a fault and respawns with back-off; a no-new-segment watchdog catches stalls.
// Unlike the frame reader's ffmpeg (its socket output breaks), this one outlives a killed Node
// process on its own: it is spawned to die with it, and start() kills any left over in its directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { OfflineReason } from '@xl/contracts';
import { FALLBACK_RESPAWN_MS, respawnDelay, stableRunMs, watchdogBackoff, type BackoffPolicy } from './backoff';
import { classifyExit, exitDetail } from './ffmpeg-stderr';
import { segmentRecorderArgs } from './recording-args';
import { probeDurationMs } from './recording-clip';
import { expiredSegments, parseSegmentFileName, parseSegmentLogLine, segmentEnd, segmentFileName, StreamClock, type RecordedSegment } from './recording-segments';
import { StreamDelayWatch } from './stream-delay';
import { redactText } from './redact';

export interface SegmentRecorderOptions {
  cameraId: string;
  /** Stream to record (main stream; the sub stream when there is no main). Credentials allowed. */
  url: string;
  /**
   * The camera's own directory (created; part files of killed runs in it are removed at start, after
   * any recorder ffmpeg a dead process left writing there has been killed).
   */
  dir: string;
  segmentSeconds: number;
  windowSeconds: number;
  ioTimeoutSeconds: number;
  /** No new segment for stallSeconds + 3 × segmentSeconds → ffmpeg is restarted. */
  stallSeconds: number;
  /** First respawn delay. */
  backoffInitialSeconds: number;
  /**
   * Respawn delay cap; a run that has been recording for this long, at most 10 s (stableRunMs),
   * starts the back-off over (a camera that drops each session soon after its first segment keeps backing off).
   */
  backoffMaxSeconds: number;
  /**
   * The stream arriving this many seconds behind real time (judged at each segment start) is
   * reconnected at once, dropping the backlog, as the frame reader does: a clip would otherwise wait
   * for, and miss, the moments it is cut for. 0 or absent: never.
   */
  maxDelaySeconds?: number;
  /** 'q' → SIGTERM → SIGKILL spacing (also SIGTERM → SIGKILL for a left-over ffmpeg at start). Default 1000 ms. */
  stopGraceMs?: number;
  /**
   * Run ffmpeg through `setpriv --pdeathsig SIGTERM` (util-linux; used where it works) so that it
   * ends with this process even when that is SIGKILLed: ffmpeg quits neither on stdin EOF nor on
   * SIGPIPE here, and an orphan keeps the camera's session and fills the disk. SIGTERM, not SIGKILL:
   * ffmpeg ends cleanly and may close the camera's session (TEARDOWN) — measured: in half the runs
   * after its parent's SIGKILL the simulator's one session was free at once, in the others only at
   * its session timeout, as always after a SIGKILL; one that ignored it is killed by the next start()
   * on this directory. Default true.
   */
  dieWithParent?: boolean;
  ffmpegPath?: string;
  ffprobePath?: string;
  logger?: { info(o: object, m: string): void; warn(o: object, m: string): void; debug(o: object, m: string): void };
  random?: () => number;
  /** Epoch ms segments are placed at. Default Date.now; ingest passes the Redis server's time, the clock of frames and alerts. */
  now?: () => number;
  /**
   * Monotonic ms for durations: the no-new-segment watchdog, the stable run and the stream delay.
   * Default performance.now. Not `now`: the Redis clock's offset moves when it is measured again.
   */
  monotonicNow?: () => number;
}

export interface SegmentRecorderEvents {
  /** A segment was closed and entered the ring. */
  segment: [RecordedSegment];
  /** The first segment of a run began. */
  recording: [{ at: number }];
  /**
   * A run ended (the camera went away, the watchdog stopped it, or it fell too far behind real time:
   * `behind_live`), or none could begin because the camera's directory could not be made or read
   * (`storage`: a full or failing disk; tried again with the back-off).
   */
  interrupted: [{ at: number; reason: OfflineReason | 'behind_live' | 'storage'; detail: string }];
}

interface Run {
  child: ChildProcess;
  clock: StreamClock;
  /** How far behind real time the stream arrives, and whether to reconnect. */
  delay: StreamDelayWatch;
  /** Stopped for arriving maxDelaySeconds late: respawned at once. */
  behindLive: boolean;
  /** The delay at the last segment start. */
  delaySeconds: number;
  /** The segment ffmpeg is writing now. */
  open: { file: string; ptsSeconds: number; startMs: number } | null;
  /** Monotonic ms (monotonicNow) of the latest segment start (the launch before the first). */
  lastSegmentMono: number;
  /** Monotonic ms of its first segment start (null before). */
  recordingSinceMono: number | null;
  /** Monotonic ms of the launch. */
  startedMono: number;
  watchdogFired: boolean;
  stderr: string[];
  timers: NodeJS.Timeout[];
  exited: Promise<void>;
}

export class SegmentRecorder extends EventEmitter<SegmentRecorderEvents> {
  private ring: RecordedSegment[] = [];
  private run: Run | null = null;
  private state: 'idle' | 'running' | 'waiting' | 'paused' | 'stopped' = 'idle';
  private retryTimer: NodeJS.Timeout | null = null;
  /** Why the recorder is paused, for the interruption it reports. */
  private pausedBecause: { reason: OfflineReason; detail: string } | null = null;
  /** start() has indexed the directory: a run may begin (before, the index would delete its part file). */
  private indexed = false;
  /** The directory's indexing under way (start(), or its retry after a storage failure). */
  private preparing: Promise<void> | null = null;
  private attempt = 0;
  private runCounter = 0;
  private readonly pins = new Map<string, number>();
  /** Closing (rename, ffprobe) one segment at a time, in order. */
  private closing: Promise<void> = Promise.resolve();
  private readonly stallMs: number;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly backoff: BackoffPolicy;
  /** Respawns so far. */
  restarts = 0;

  constructor(private readonly options: SegmentRecorderOptions) {
    super();
    this.stallMs = (options.stallSeconds + 3 * options.segmentSeconds) * 1000;
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.backoff = watchdogBackoff(options.backoffInitialSeconds, options.backoffMaxSeconds);
    if (this.backoff.initialMs < options.backoffInitialSeconds * 1000) {
      options.logger?.warn(
        { camera: options.cameraId, backoffInitialSeconds: options.backoffInitialSeconds, backoffMaxSeconds: options.backoffMaxSeconds },
        'watchdog.backoffInitialSeconds is above backoffMaxSeconds: recorder respawns start at backoffMaxSeconds',
      );
    }
  }

  get cameraId(): string {
    return this.options.cameraId;
  }

  /** Closed segments, oldest first. */
  segments(): RecordedSegment[] {
    return [...this.ring];
  }

  /** Wall-clock end of the newest closed segment (0 when none). */
  get recordedUntil(): number {
    const last = this.ring[this.ring.length - 1];
    return last ? segmentEnd(last) : 0;
  }

  /**
   * How far behind real time the recording arrives (at its last segment start; 0 between runs): a
   * moment is on disk this much later than it happened.
   */
  get delaySeconds(): number {
    return this.run?.delaySeconds ?? 0;
  }

  /** True while a run delivers segments. */
  get isRecording(): boolean {
    return this.run?.open != null;
  }

  /** True between pause() and resume(). */
  get isPaused(): boolean {
    return this.state === 'paused';
  }

  /** pid of the running ffmpeg. */
  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  /** Keeps segments from `fromMs` on, past the window, until unpinned (a clip still to be cut). */
  pin(key: string, fromMs: number): void {
    this.pins.set(key, fromMs);
  }

  unpin(key: string): void {
    this.pins.delete(key);
  }

  /**
   * Indexes what an earlier run left in the directory, then starts ffmpeg. A directory that cannot be
   * made or read (ENOSPC, EIO, EACCES) is an interruption (`storage`) tried again with the back-off,
   * not a failure of start(): rejected, the recorder stayed dead until the camera changed owner.
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`camera ${this.options.cameraId}: recorder already ${this.state}`);
    this.state = 'running';
    await this.prepare();
  }

  private prepare(): Promise<void> {
    this.preparing ??= this.indexAndSpawn().finally(() => (this.preparing = null));
    return this.preparing;
  }

  private async indexAndSpawn(): Promise<void> {
    const o = this.options;
    try {
      await mkdir(o.dir, { recursive: true });
      // Before the index: an orphan would go on writing part files into it.
      await this.killOrphans();
      this.ring = await this.indexDirectory();
      await this.trim();
    } catch (err) {
      const detail = `recording directory ${o.dir}: ${(err as Error).message}`;
      this.emit('interrupted', { at: this.now(), reason: 'storage', detail });
      if (this.state !== 'running') return; // paused: resume() tries again; stopped: never
      this.attempt++;
      const delayMs = this.backoffDelayMs(this.attempt);
      o.logger?.warn({ camera: o.cameraId, detail, attempt: this.attempt, delayMs }, 'recording directory not usable; trying again');
      this.respawnIn(delayMs);
      return;
    }
    this.indexed = true;
    if (this.state === 'running' && !this.run) this.spawn();
  }

  /** Stops ffmpeg and waits until its last segment is in the ring. Segments stay on disk. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.endRun();
    await this.closing;
  }

  /**
   * Ends the current run (its last segment is kept, and ffmpeg closes the RTSP session) and starts
   * none until resume(), e.g. because the camera's stream slot is wanted elsewhere. `because` is
   * reported as the run's interruption.
   */
  async pause(because: { reason: OfflineReason; detail: string }): Promise<void> {
    if (this.state !== 'running' && this.state !== 'waiting') return;
    this.state = 'paused';
    this.pausedBecause = because;
    await this.endRun();
  }

  /** Cancels a pending respawn and ends the current run, if any ('q', SIGTERM, SIGKILL). */
  private async endRun(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const run = this.run;
    if (!run) return;
    this.terminate(run);
    await run.exited;
  }

  /** Records again after pause(), at once. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.attempt = 0;
    // Paused before any run began: start one now, unless start() is still indexing (it will).
    if (this.run || this.preparing) return;
    if (this.indexed) this.spawn();
    else void this.prepare();
  }

  private async indexDirectory(): Promise<RecordedSegment[]> {
    const found: RecordedSegment[] = [];
    for (const name of await readdir(this.options.dir)) {
      const parsed = parseSegmentFileName(name);
      if (parsed) found.push({ file: path.join(this.options.dir, name), ...parsed });
      // a segment of a run that was killed: its start is unknown, so it cannot be placed in time
      else if (name.startsWith('part-')) await rm(path.join(this.options.dir, name), { force: true });
    }
    return found.sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * Kills what a dead process left recording into this directory (see orphanRecorders): SIGTERM
   * first, so that ffmpeg can close the camera's session, then SIGKILL.
   */
  private async killOrphans(): Promise<void> {
    const pids = await orphanRecorders(path.resolve(this.options.dir));
    if (!pids.length) return;
    this.options.logger?.warn({ camera: this.options.cameraId, pids }, 'recorder ffmpeg left by a dead process: killing it');
    const signal = (sig: NodeJS.Signals) => pids.forEach((pid) => tryKill(pid, sig));
    const grace = this.options.stopGraceMs ?? 1000;
    signal('SIGTERM');
    if (!(await allGone(pids, grace))) signal('SIGKILL');
    if (!(await allGone(pids, 2000))) this.options.logger?.warn({ camera: this.options.cameraId, pids }, 'left-over recorder ffmpeg still alive after SIGKILL');
  }

  private spawn(): void {
    this.retryTimer = null;
    const o = this.options;
    // Absolute, so that orphanRecorders can tell this directory's ffmpegs by their command line.
    const pattern = path.join(path.resolve(o.dir), `part-${process.pid}-${Date.now()}-${++this.runCounter}-%06d.ts`);
    const args = segmentRecorderArgs({ url: o.url, ioTimeoutSeconds: o.ioTimeoutSeconds, segmentSeconds: o.segmentSeconds, pattern });
    const ffmpeg = o.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
    // setpriv execs ffmpeg: the pid, signals, stdin and the exit status are ffmpeg's own.
    const wrap = (o.dieWithParent ?? true) && canSetDeathSignal();
    const child = wrap
      ? spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', ffmpeg, ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
      : spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin?.on('error', () => undefined); // EPIPE when ffmpeg is already gone
    let markExited!: () => void;
    const startedMono = this.monotonicNow();
    const run: Run = {
      child,
      clock: new StreamClock(),
      delay: new StreamDelayWatch(o.maxDelaySeconds ?? 0),
      behindLive: false,
      delaySeconds: 0,
      open: null,
      lastSegmentMono: startedMono,
      recordingSinceMono: null,
      startedMono,
      watchdogFired: false,
      stderr: [],
      timers: [],
      exited: new Promise((resolve) => (markExited = resolve)),
    };
    this.run = run;
    createInterface({ input: child.stderr! }).on('line', (line) => this.onLine(run, line));
    run.timers.push(setInterval(() => this.checkWatchdog(run), Math.min(1000, this.stallMs / 4)));
    let done = false;
    const ended = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
      if (done) return;
      done = true;
      this.onExit(run, code, signal, error).finally(markExited);
    };
    child.once('error', (err) => ended(null, null, err.message));
    child.once('close', (code, signal) => ended(code, signal));
    o.logger?.debug({ camera: o.cameraId, attempt: this.attempt }, 'recorder started');
  }

  private onLine(run: Run, line: string): void {
    const now = this.now();
    const mono = this.monotonicNow();
    const parsed = parseSegmentLogLine(line);
    if (!parsed) {
      run.stderr.push(redactText(line.trim()));
      if (run.stderr.length > 12) run.stderr.shift();
      return;
    }
    if (parsed.kind !== 'start') return;
    run.clock.observe(now, parsed.ptsSeconds);
    // Monotonic, as the reader's: by `now`, a step of the Redis clock stayed in the delay's baseline for the rest of the run.
    const { seconds, reconnect } = run.delay.observe(mono, parsed.ptsSeconds);
    run.delaySeconds = seconds;
    if (reconnect && run === this.run && !run.watchdogFired && this.state === 'running') {
      run.behindLive = true;
      const { cameraId, maxDelaySeconds } = this.options;
      this.options.logger?.warn({ camera: cameraId, delaySeconds: Math.round(seconds * 10) / 10, maxDelaySeconds }, 'recording too far behind real time: reconnecting to drop the backlog');
      this.terminate(run);
    }
    const previous = run.open;
    run.open = { file: parsed.file, ptsSeconds: parsed.ptsSeconds, startMs: run.clock.wallMs(parsed.ptsSeconds) };
    run.lastSegmentMono = mono;
    run.recordingSinceMono ??= mono;
    // The back-off starts over only once the run has recorded for the back-off cap: resetting it at
    // the first segment retried a camera that drops every session right after it at the initial
    // delay for ever, an interruption each time.
    if (mono - run.recordingSinceMono >= stableRunMs(this.options.backoffMaxSeconds * 1000)) this.attempt = 0;
    if (previous) {
      // Placed with the clock as it is now: the first lines arrive late (ffmpeg probes the stream first).
      this.close(previous.file, run.clock.wallMs(previous.ptsSeconds), (parsed.ptsSeconds - previous.ptsSeconds) * 1000);
    } else {
      this.emit('recording', { at: run.open.startMs });
    }
  }

  /** Renames a finished segment to its index name, adds it to the ring, trims. `durationMs` null: measure it. */
  private close(file: string, startMs: number, durationMs: number | null): void {
    this.closing = this.closing.then(async () => {
      try {
        const ms = durationMs ?? (await probeDurationMs(file, { ffprobePath: this.options.ffprobePath }));
        if (!ms || ms <= 0 || (await stat(file)).size === 0) {
          await rm(file, { force: true });
          return;
        }
        const segment = { file: path.join(this.options.dir, segmentFileName(startMs, ms)), startMs, durationMs: Math.round(ms) };
        await rename(file, segment.file);
        this.ring.push(segment);
        this.emit('segment', segment);
        await this.trim();
      } catch (err) {
        this.options.logger?.warn({ camera: this.options.cameraId, file: path.basename(file), err: (err as Error).message }, 'segment not kept');
        await rm(file, { force: true }).catch(() => undefined);
      }
    });
  }

  private async trim(): Promise<void> {
    const keepFrom = Math.min(Infinity, ...this.pins.values());
    const expired = new Set(expiredSegments(this.ring, this.now(), this.options.windowSeconds * 1000, keepFrom));
    if (!expired.size) return;
    this.ring = this.ring.filter((s) => !expired.has(s));
    await Promise.all([...expired].map((s) => rm(s.file, { force: true })));
  }

  private checkWatchdog(run: Run): void {
    if (run !== this.run || run.watchdogFired || this.state !== 'running') return;
    const silentMs = this.monotonicNow() - run.lastSegmentMono;
    if (silentMs < this.stallMs) return;
    run.watchdogFired = true;
    this.options.logger?.warn({ camera: this.options.cameraId, silentMs }, 'no new segment within the stall time: restarting the recorder');
    this.terminate(run);
  }

  private terminate(run: Run): void {
    const grace = this.options.stopGraceMs ?? 1000;
    if (run.child.stdin?.writable) run.child.stdin.write('q');
    const kill = (signal: NodeJS.Signals) => () => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill(signal);
    };
    run.timers.push(setTimeout(kill('SIGTERM'), grace), setTimeout(kill('SIGKILL'), 2 * grace));
  }

  /**
   * Never rejects: a rejection here was unhandled and ended the ingest process (every camera on it
   * blind). Whatever fails, a running recorder is left with a respawn scheduled.
   */
  private async onExit(run: Run, code: number | null, signal: NodeJS.Signals | null, error?: string): Promise<void> {
    try {
      await this.afterExit(run, code, signal, error);
    } catch (err) {
      if (this.run === run) this.run = null;
      this.options.logger?.warn({ camera: this.options.cameraId, err: (err as Error).message, delayMs: FALLBACK_RESPAWN_MS }, 'handling the recorder exit failed; respawning');
      if (this.state === 'running' && !this.run && !this.retryTimer) this.respawnIn(FALLBACK_RESPAWN_MS);
    }
  }

  private async afterExit(run: Run, code: number | null, signal: NodeJS.Signals | null, error?: string): Promise<void> {
    for (const t of run.timers) clearTimeout(t);
    if (run.open) this.close(run.open.file, run.clock.wallMs(run.open.ptsSeconds), null); // its length: ffprobe
    await this.closing;
    if (this.run === run) this.run = null;
    const now = this.now();
    const o = this.options;
    const reason = classifyExit({
      watchdogFired: run.watchdogFired,
      code,
      signal,
      stderr: run.stderr,
      silentMs: this.monotonicNow() - run.lastSegmentMono,
      hadOutput: run.lastSegmentMono > run.startedMono,
      ioTimeoutMs: o.ioTimeoutSeconds * 1000,
    });
    const detail = run.watchdogFired ? `no new segment for ${this.stallMs / 1000} s` : redactText(error ?? exitDetail(run.stderr, `ffmpeg exited with code ${code}`));
    const behindLive = run.behindLive && !run.watchdogFired;
    if (run.open) {
      if (this.state === 'paused' && this.pausedBecause) this.emit('interrupted', { at: now, ...this.pausedBecause });
      else if (behindLive) this.emit('interrupted', { at: now, reason: 'behind_live', detail: `more than ${o.maxDelaySeconds} s behind real time` });
      else this.emit('interrupted', { at: now, reason, detail });
    }
    if (this.state !== 'running') return;
    this.restarts++;
    // Not a failure: at once, without back-off (the delay has to build up again first).
    if (behindLive) return this.respawnIn(0);
    this.attempt++;
    const delayMs = this.backoffDelayMs(this.attempt);
    this.respawnIn(delayMs);
    o.logger?.info({ camera: o.cameraId, reason, detail, attempt: this.attempt, delayMs }, 'recorder ended; respawning');
  }

  /** The back-off's delay before retry `attempt`; should it fail (settings it cannot use), FALLBACK_RESPAWN_MS: the camera is still recorded. */
  private backoffDelayMs(attempt: number): number {
    return respawnDelay(attempt, this.backoff, this.options.random, (err) =>
      this.options.logger?.warn({ camera: this.options.cameraId, err: err.message, delayMs: FALLBACK_RESPAWN_MS }, 'recorder respawn back-off failed; using the fallback delay'),
    );
  }

  private respawnIn(delayMs: number): void {
    this.state = 'waiting';
    this.retryTimer = setTimeout(() => {
      if (this.state !== 'waiting') return;
      this.state = 'running';
      this.retryTimer = null;
      if (this.indexed) this.spawn();
      else void this.prepare();
    }, delayMs);
  }
}

let deathSignalUsable: boolean | undefined;

/**
 * Whether `setpriv --pdeathsig` works here (Linux with util-linux ≥ 2.33); probed once. The death
 * signal fires when the *thread* that forked exits: Node spawns from the thread that calls spawn(),
 * the main thread here, which lives as long as the process. (A recorder in a worker thread would have
 * its ffmpeg killed when that worker ends.)
 */
function canSetDeathSignal(): boolean {
  if (deathSignalUsable === undefined) {
    const probe = process.platform === 'linux' ? spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore', timeout: 5000 }) : null;
    deathSignalUsable = probe?.status === 0;
  }
  return deathSignalUsable;
}

const PART_PATTERN = /^part-(\d+)-\d+-\d+-%06d\.ts$/;

/**
 * Recorder ffmpegs writing into `dir` (absolute) whose owner is gone: spawned without the death
 * signal (no setpriv, an older version) or in the instant before setpriv set it. Each names its owner
 * in its output pattern (`part-<owner pid>-…`); a live owner's ffmpeg, another process's included, is
 * that owner's child and is left alone. Linux (/proc) only; elsewhere none are found.
 */
async function orphanRecorders(dir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const argv = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
      const owner = argv.map((a) => (path.dirname(a) === dir ? PART_PATTERN.exec(path.basename(a))?.[1] : undefined)).find(Boolean);
      if (!owner) continue;
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) S ppid …": comm may hold spaces and parentheses, so count from the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== Number(owner)) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone (ESRCH), or not ours (EPERM: logged by the caller as still alive)
  }
}

/** Whether every pid has exited (a zombie counts) within `ms`. */
async function allGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z', () => false)));
    if (!alive.includes(true)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
