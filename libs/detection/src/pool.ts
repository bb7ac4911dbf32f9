import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Detection } from '@xl/contracts';
import type { LoadedModel } from './manifest';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';
import { FrameRunner } from './runner';
import {
  resolvePoolOptions,
  type Detector,
  type DetectorFrame,
  type InferenceMetrics,
  type PoolOptions,
} from './types';

/** detect() found every worker busy and the queue full: drop the frame (and count it). */
export class DetectorBusyError extends Error {
  constructor(queued: number) {
    super(`detector pool busy: all workers running and ${queued} frame(s) queued`);
    this.name = 'DetectorBusyError';
  }
}

export interface DetectorHooks {
  /** Called once per detected frame with its timings (feed a prom-client histogram with it). */
  onInference?: (m: InferenceMetrics) => void;
  /** A worker failed (crashed, or could not start); the pool restarts it. */
  onWorkerError?: (err: Error, worker: number) => void;
}

export interface PoolStats {
  size: number;
  /** Workers started and serving. */
  alive: number;
  /** Frames running in workers. */
  running: number;
  /** Frames waiting for a free worker. */
  queued: number;
}

interface Request {
  frame: DetectorFrame;
  enqueuedAt: number;
  /** Fails the frame and restarts its worker when no answer comes in time (runTimeoutMs). */
  watchdog?: NodeJS.Timeout;
  resolve: (d: Detection[], data: Uint8Array) => void;
  reject: (e: Error) => void;
}

interface Slot {
  index: number;
  worker: Worker | null;
  alive: boolean;
  running: Map<number, Request>;
  restarts: number;
  /** When its worker last became ready (performance.now(): a step of the wall clock is no quick death); deaths soon after count as quick. */
  readyAt: number;
  /** Deaths in a row within WORKER_STABLE_MS of becoming ready: each restart after the first waits longer. */
  quickDeaths: number;
}

const RESTART_DELAY_MS = 1000;
const RESTART_DELAY_MAX_MS = 30000;
const CLOSE_GRACE_MS = 5000;
/**
 * A worker that dies within this of becoming ready dies of something a restart does not cure (a model
 * that crashes on real frames, a device that fails its first runs): its restarts back off like failed
 * starts instead of coming at once, again and again (review 2026-12-03, detection, hardening note).
 */
const WORKER_STABLE_MS = 60_000;

/**
 * The worker entry: the compiled worker.js beside this file when running from dist/, or a small .js
 * bootstrap that compiles the TypeScript worker with the project's swc options when running from
 * sources (jest, ts runners).
 */
export function workerEntry(): string {
  return __filename.endsWith('.ts') ? path.join(__dirname, 'worker-dev.js') : path.join(__dirname, 'worker.js');
}

/**
 * Detector over a pool of worker threads, each with one single-threaded onnxruntime session: N frames
 * of different cameras run on N cores while the main thread stays free for I/O. A frame goes to the
 * least busy live worker; when all are busy it waits in a bounded FIFO; beyond that detect() rejects
 * with DetectorBusyError (a live pipeline drops stale frames rather than queueing them).
 */
export class PoolDetector implements Detector {
  private readonly slots: Slot[];
  private readonly queue: Request[] = [];
  private readonly maxQueue: number;
  private readonly runTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly init: WorkerInit;
  private nextId = 1;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly model: LoadedModel,
    options: PoolOptions,
    private readonly hooks: DetectorHooks,
  ) {
    const { size, maxQueue, runTimeoutMs, startTimeoutMs, ...runner } = resolvePoolOptions(options);
    this.maxQueue = maxQueue ?? 2 * size;
    this.runTimeoutMs = runTimeoutMs;
    this.startTimeoutMs = startTimeoutMs;
    this.init = { model, options: runner };
    this.slots = Array.from({ length: size }, (_, index) => ({
      index,
      worker: null,
      alive: false,
      running: new Map(),
      restarts: 0,
      readyAt: 0,
      quickDeaths: 0,
    }));
  }

  /**
   * Starts every worker (session + warm-up run) and resolves when all serve; rejects if any cannot,
   * or is not ready within startTimeoutMs.
   */
  static async create(model: LoadedModel, options: PoolOptions = {}, hooks: DetectorHooks = {}): Promise<PoolDetector> {
    const pool = new PoolDetector(model, options, hooks);
    try {
      await Promise.all(pool.slots.map((slot) => pool.start(slot)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  async detect(frame: DetectorFrame): Promise<Detection[]> {
    return (await this.detectKeepingFrame(frame)).detections;
  }

  detectKeepingFrame(frame: DetectorFrame): Promise<{ detections: Detection[]; data: Uint8Array }> {
    if (this.closed) return Promise.reject(new Error('detector pool closed'));
    try {
      FrameRunner.checkFrame(frame, this.model);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const req: Request = { frame, enqueuedAt: performance.now(), resolve: (detections, data) => resolve({ detections, data }), reject };
      const slot = this.leastBusyIdle();
      if (slot) this.dispatch(slot, req);
      else if (this.queue.length < this.maxQueue) this.queue.push(req);
      else reject(new DetectorBusyError(this.queue.length));
    });
  }

  stats(): PoolStats {
    let alive = 0;
    let running = 0;
    for (const s of this.slots) {
      if (s.alive) alive++;
      running += s.running.size;
    }
    return { size: this.slots.length, alive, running, queued: this.queue.length };
  }

  /** Rejects queued frames, lets running ones finish (up to 5 s), then stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const req of this.queue.splice(0)) req.reject(new Error('detector pool closed'));
    const running = this.slots.flatMap((s) =>
      [...s.running.values()].map(
        (r) =>
          new Promise<void>((done) => {
            const { resolve, reject } = r;
            r.resolve = (d, data) => (resolve(d, data), done());
            r.reject = (e) => (reject(e), done());
          }),
      ),
    );
    await Promise.race([Promise.all(running), new Promise((done) => setTimeout(done, CLOSE_GRACE_MS).unref())]);
    await Promise.all(this.slots.map((s) => this.stop(s, new Error('detector pool closed'))));
  }

  /** Live worker with nothing running, preferring the one that restarted least (ties: lowest index). */
  private leastBusyIdle(): Slot | null {
    let best: Slot | null = null;
    for (const s of this.slots) {
      if (!s.alive || s.running.size > 0) continue;
      if (!best || s.restarts < best.restarts) best = s;
    }
    return best;
  }

  private dispatch(slot: Slot, req: Request): void {
    const id = this.nextId++;
    slot.running.set(id, req);
    let { data } = req.frame;
    // Transfer, not copy; a view into a larger or shared buffer (a Node pool slice, a Redis reply) is
    // copied once into its own buffer first, so that nothing else is detached.
    // (toString, not instanceof: a buffer from another realm, e.g. a vm context, is still transferable)
    const own = Object.prototype.toString.call(data.buffer) === '[object ArrayBuffer]';
    if (!own || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
      data = new Uint8Array(data);
    }
    const msg: ToWorker = { type: 'detect', id, frame: { ...req.frame, data } };
    const worker = slot.worker!;
    req.watchdog = setTimeout(() => this.failed(slot, worker, new Error(`no answer within ${this.runTimeoutMs} ms (hung?)`)), this.runTimeoutMs);
    worker.postMessage(msg, [data.buffer as ArrayBuffer]);
  }

  private pump(): void {
    let slot: Slot | null;
    while (this.queue.length && (slot = this.leastBusyIdle())) this.dispatch(slot, this.queue.shift()!);
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type !== 'result' && msg.type !== 'error') return;
    const req = slot.running.get(msg.id);
    if (!req) return;
    slot.running.delete(msg.id);
    clearTimeout(req.watchdog);
    if (msg.type === 'result') {
      const { detections, preprocessSeconds, inferenceSeconds, postprocessSeconds } = msg.result;
      this.hooks.onInference?.({
        inferenceSeconds,
        workSeconds: preprocessSeconds + inferenceSeconds + postprocessSeconds,
        totalSeconds: (performance.now() - req.enqueuedAt) / 1e3,
        worker: slot.index,
        detections: detections.length,
      });
      req.resolve(detections, msg.data);
    } else {
      req.reject(new Error(msg.message));
    }
    this.pump();
  }

  /**
   * Starts the slot's worker; resolves when its session is warm, rejects if it cannot start or is not
   * ready within startTimeoutMs.
   */
  private start(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = new Worker(workerEntry(), { workerData: this.init, name: `detector-${slot.index}` });
      slot.worker = worker;
      let started = false;
      let settled = false;
      const settle = (err?: Error): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(limit);
        this.timers.delete(limit);
        if (err) reject(err);
        return true;
      };
      // A session hung in native code (the stuck GPU the run watchdog gave up on, still stuck for its
      // replacement) neither posts 'ready' nor exits: without a limit the queued frames, or create(),
      // waited for good, with nothing logged and the process still healthy.
      const limit = setTimeout(() => {
        if (slot.worker === worker) slot.worker = null; // not awaited by close(): it may never exit
        void worker.terminate();
        settle(new Error(`detector worker ${slot.index} did not start within ${this.startTimeoutMs} ms (hung?)`));
      }, this.startTimeoutMs);
      this.timers.add(limit);
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          if (!settle()) return; // too late: given up and being terminated
          started = true;
          slot.readyAt = performance.now();
          slot.alive = true;
          resolve();
          this.pump();
        } else if (msg.type === 'init-error') {
          settle(new Error(`detector worker ${slot.index}: ${msg.message}`));
          void worker.terminate();
        } else {
          this.onMessage(slot, msg);
        }
      });
      worker.on('error', (err) => {
        if (!started) settle(new Error(`detector worker ${slot.index} failed to start: ${err.message}`));
        else this.failed(slot, worker, err);
      });
      worker.on('exit', (code) => {
        if (!started) settle(new Error(`detector worker ${slot.index} exited with code ${code} while starting`));
        else this.failed(slot, worker, new Error(`detector worker ${slot.index} exited with code ${code}`));
      });
    });
  }

  /** A serving worker died: fail its frames, restart it with back-off, keep the others serving. */
  private failed(slot: Slot, worker: Worker, err: Error): void {
    if (slot.worker !== worker) return; // already handled ('error' is followed by 'exit')
    slot.worker = null;
    slot.alive = false;
    void worker.terminate();
    for (const req of slot.running.values()) {
      clearTimeout(req.watchdog);
      req.reject(new Error(`detector worker ${slot.index} died: ${err.message}`));
    }
    slot.running.clear();
    if (this.closed) return;
    this.hooks.onWorkerError?.(err, slot.index);
    slot.quickDeaths = performance.now() - slot.readyAt < WORKER_STABLE_MS ? slot.quickDeaths + 1 : 0;
    // The first restart comes at once (a hung run, a one-off crash); each further quick death waits longer.
    this.restart(slot, Math.max(0, slot.quickDeaths - 1));
  }

  private restart(slot: Slot, attempt: number): void {
    const delay = attempt === 0 ? 0 : Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      slot.restarts++;
      this.start(slot).catch((err: Error) => {
        slot.worker = null;
        this.hooks.onWorkerError?.(err, slot.index);
        // With no worker left the queue would wait forever: fail it so callers see the cause.
        if (!this.slots.some((s) => s.alive)) for (const req of this.queue.splice(0)) req.reject(err);
        if (!this.closed) this.restart(slot, attempt + 1);
      });
    }, delay);
    this.timers.add(timer);
  }

  private async stop(slot: Slot, err: Error): Promise<void> {
    const worker = slot.worker;
    slot.worker = null;
    slot.alive = false;
    for (const req of slot.running.values()) {
      clearTimeout(req.watchdog);
      req.reject(err);
    }
    slot.running.clear();
    if (worker) await terminateWithin(worker, CLOSE_GRACE_MS);
  }
}

/**
 * Terminates a worker, waiting for it at most `ms`: terminate() cannot interrupt native code, so a
 * worker hung in session.run never exits, and awaiting it held up the service's shutdown for good.
 */
async function terminateWithin(worker: Worker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([worker.terminate(), new Promise<void>((done) => (timer = setTimeout(done, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a pool detector (see PoolDetector). */
export function createPoolDetector(
  model: LoadedModel,
  options: PoolOptions = {},
  hooks: DetectorHooks = {},
): Promise<PoolDetector> {
  return PoolDetector.create(model, options, hooks);
}
