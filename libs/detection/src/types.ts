import os from 'node:os';
import { z } from 'zod';
import type { Detection, Letterbox } from '@xl/contracts';

/** A letterboxed bgr24 frame of exactly the model's input size, as ingest publishes it. */
export interface DetectorFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
}

export interface Detector {
  /**
   * Detections in normalized 0..1 frame coordinates (the letterbox undone), best first. The pool
   * detector takes ownership of `frame.data`: its buffer is transferred to a worker thread and is
   * detached (length 0) here afterwards.
   */
  detect(frame: DetectorFrame): Promise<Detection[]>;
  /**
   * Like detect(), and hands the pixels back: the pool transfers the buffer to its worker and back
   * (no copy), so a caller that still needs the frame afterwards (a snapshot) need not copy it first.
   * Use the returned `data`; `frame.data` may be detached.
   */
  detectKeepingFrame(frame: DetectorFrame): Promise<{ detections: Detection[]; data: Uint8Array }>;
  /** Releases the sessions; pending and later detect() calls reject. */
  close(): Promise<void>;
}

export interface FrameResult {
  detections: Detection[];
  preprocessSeconds: number;
  inferenceSeconds: number;
  postprocessSeconds: number;
}

/** Timings of one frame for the caller's metrics (prom-client lives in the app, not here). */
export interface InferenceMetrics {
  /** session.run() alone. */
  inferenceSeconds: number;
  /** Tensor conversion, inference and decode/NMS. */
  workSeconds: number;
  /** From detect() to the result, queueing and thread hand-over included. */
  totalSeconds: number;
  /** Worker index in the pool; 0 in process. */
  worker: number;
  detections: number;
}

export const runnerOptionsSchema = z.strictObject({
  executionProvider: z
    .enum(['cpu', 'cuda'])
    .default('cpu')
    .describe("onnxruntime execution provider; 'cuda' needs onnxruntime-node's CUDA binaries and an NVIDIA GPU"),
  deviceId: z.number().int().min(0).max(15).default(0).describe('GPU index for cuda'),
  trimPadding: z
    .boolean()
    .default(true)
    .describe(
      "run a frame on the rows its picture fills, rounded up to the largest stride, when the manifest says the model is fully convolutional (38 % less compute for 16:9); false runs the whole letterboxed square",
    ),
  scoreThreshold: z.number().min(0.001).max(1).default(0.25).describe('candidates below this score are dropped'),
  iouThreshold: z
    .number()
    .min(0.05)
    .max(1)
    .default(0.45)
    .describe('class-aware NMS overlap above which the weaker box goes'),
  maxDetections: z.number().int().min(1).max(1000).default(100).describe('detections kept per frame, best first'),
});

export const poolOptionsSchema = runnerOptionsSchema.extend({
  size: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(() => os.availableParallelism())
    .describe('worker threads, each with its own single-threaded session'),
  maxQueue: z
    .number()
    .int()
    .min(0)
    .max(100000)
    .optional()
    .describe(
      'frames waiting for a free worker beyond which detect() rejects with DetectorBusyError; default 2 × size',
    ),
  runTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(600_000)
    .default(30_000)
    .describe(
      "a frame a worker has not answered within this is failed and the worker restarted (a native hang would otherwise hold the frame, its job's worker slot and the pool slot for good); far above any frame's run, which takes milliseconds to a second",
    ),
  startTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(120_000)
    .describe(
      "a worker not ready (session created, warm-up frame run) within this is terminated and its start failed, then retried with back-off (a session hung on a stuck GPU would otherwise leave the queued frames, or createPoolDetector, waiting for good); far above a normal start, which takes well under a second on a CPU and seconds with CUDA",
    ),
});

export type RunnerOptions = Partial<z.input<typeof runnerOptionsSchema>>;
export type ResolvedRunnerOptions = z.output<typeof runnerOptionsSchema>;
export type PoolOptions = Partial<z.input<typeof poolOptionsSchema>>;
export type ResolvedPoolOptions = z.output<typeof poolOptionsSchema>;

export function resolveRunnerOptions(opts: RunnerOptions): ResolvedRunnerOptions {
  return parseOptions(runnerOptionsSchema, opts);
}

export function resolvePoolOptions(opts: PoolOptions): ResolvedPoolOptions {
  return parseOptions(poolOptionsSchema, opts);
}

function parseOptions<S extends z.ZodType>(schema: S, opts: unknown): z.output<S> {
  const result = schema.safeParse(opts);
  if (result.success) return result.data;
  throw new Error(
    `detector options: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
