import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { bgrToNchw, pictureRows } from '@xl/vision';
import type { LoadedModel } from './manifest';
import { postprocess, type PostprocessOptions } from './postprocess';
import {
  resolveRunnerOptions,
  type DetectorFrame,
  type FrameResult,
  type ResolvedRunnerOptions,
  type RunnerOptions,
} from './types';
import { freeInputSize } from './onnx-shape';
import { YoloxDecoder } from './yolox';

/**
 * Session options measured to cost least CPU per frame for frames arriving every 50–500 ms: one
 * intra-op thread and sequential execution. ORT's default thread pool spins its threads after every
 * run and costs ~5× the CPU for the same throughput; parallelism comes from one session per worker
 * thread instead (see docs/detection.md).
 */
export function sessionOptions(opts: ResolvedRunnerOptions): ort.InferenceSession.SessionOptions {
  const provider = opts.executionProvider;
  return {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // No silent CPU fallback for 'cuda': a GPU box running on its CPU would fall behind unnoticed.
    executionProviders: provider === 'cuda' ? [{ name: 'cuda', deviceId: opts.deviceId }] : ['cpu'],
  };
}

/** What one input height needs: the float input, its tensor and the decoder of its grid. */
interface InputGeometry {
  input: Float32Array;
  tensor: ort.Tensor;
  decoder: YoloxDecoder;
}

/**
 * The rows a frame runs on: the rows its picture fills, rounded up to the largest stride (the rows
 * below the picture are letterbox padding, which costs compute and finds nothing), or the whole
 * input when the model's size is fixed.
 */
export function inferenceRows(frame: Pick<DetectorFrame, 'width' | 'height' | 'letterbox'>, strides: readonly number[], trim: boolean): number {
  if (!trim) return frame.height;
  const step = Math.max(...strides);
  return Math.min(frame.height, Math.ceil(pictureRows(frame.letterbox, frame.width, frame.height) / step) * step);
}

/**
 * One onnxruntime session with its reusable input tensors and decoders: letterboxed bgr24 frame in,
 * detections in normalized frame coordinates out. Not re-entrant: callers run one frame at a time
 * (the pool gives each worker thread its own runner; the in-process detector chains its calls).
 */
export class FrameRunner {
  /** By input height: a camera set has a few aspect ratios, so a few entries. */
  private readonly geometries = new Map<number, InputGeometry>();
  private readonly post: PostprocessOptions;
  private readonly trim: boolean;

  private constructor(
    private readonly model: LoadedModel,
    private readonly session: ort.InferenceSession,
    opts: ResolvedRunnerOptions,
  ) {
    this.trim = opts.trimPadding && model.manifest.input.fullyConvolutional;
    this.post = {
      scoreThreshold: opts.scoreThreshold,
      iouThreshold: opts.iouThreshold,
      maxDetections: opts.maxDetections,
    };
  }

  static async create(model: LoadedModel, options: RunnerOptions = {}): Promise<FrameRunner> {
    const opts = resolveRunnerOptions(options);
    const { input, output } = model.manifest;
    let session: ort.InferenceSession;
    try {
      // A fully convolutional model is loaded with its input size declared free (see onnx-shape.ts).
      session =
        opts.trimPadding && input.fullyConvolutional
          ? await ort.InferenceSession.create(freeInputSize(readFileSync(model.modelPath), input.name, output.name), sessionOptions(opts))
          : await ort.InferenceSession.create(model.modelPath, sessionOptions(opts));
    } catch (err) {
      throw new Error(
        `model ${model.manifest.name}: cannot create an onnxruntime session (${opts.executionProvider}): ${(err as Error).message}`,
      );
    }
    if (!session.inputNames.includes(input.name) || !session.outputNames.includes(output.name)) {
      await session.release();
      throw new Error(
        `model ${model.manifest.name}: manifest names input '${input.name}' / output '${output.name}', the model has ${session.inputNames} / ${session.outputNames}`,
      );
    }
    return new FrameRunner(model, session, opts);
  }

  get inputWidth(): number {
    return this.model.manifest.input.shape[3];
  }

  get inputHeight(): number {
    return this.model.manifest.input.shape[2];
  }

  private geometry(rows: number): InputGeometry {
    let g = this.geometries.get(rows);
    if (!g) {
      const { output, labels } = this.model.manifest;
      const w = this.inputWidth;
      const input = new Float32Array(3 * rows * w);
      g = {
        input,
        tensor: new ort.Tensor('float32', input, [1, 3, rows, w]),
        decoder: new YoloxDecoder({
          inputWidth: w,
          inputHeight: rows,
          strides: output.strides,
          numClasses: labels.length,
          scoresActivated: output.scoresActivated,
        }),
      };
      this.geometries.set(rows, g);
    }
    return g;
  }

  /** Throws unless the frame matches the model input (checked before a frame is queued, too). */
  static checkFrame(frame: DetectorFrame, model: LoadedModel): void {
    const [, , h, w] = model.manifest.input.shape;
    if (frame.width !== w || frame.height !== h || frame.data.length !== w * h * 3) {
      throw new Error(
        `model ${model.manifest.name}: frame ${frame.width}x${frame.height} with ${frame.data.length} bytes; expected a letterboxed ${w}x${h} bgr24 frame (${w * h * 3} bytes)`,
      );
    }
  }

  async run(frame: DetectorFrame): Promise<FrameResult> {
    FrameRunner.checkFrame(frame, this.model);
    const t0 = performance.now();
    const { input, output, labels } = this.model.manifest;
    const rows = inferenceRows(frame, output.strides, this.trim);
    const g = this.geometry(rows);
    bgrToNchw(rows === frame.height ? frame.data : frame.data.subarray(0, rows * frame.width * 3), frame.width, rows, g.input);
    const t1 = performance.now();
    const results = await this.session.run({ [input.name]: g.tensor });
    const t2 = performance.now();
    const raw = results[output.name].data as Float32Array;
    const detections = postprocess(g.decoder, raw, frame.letterbox, labels, this.post);
    const t3 = performance.now();
    return {
      detections,
      preprocessSeconds: (t1 - t0) / 1e3,
      inferenceSeconds: (t2 - t1) / 1e3,
      postprocessSeconds: (t3 - t2) / 1e3,
    };
  }

  /**
   * Runs on padding-only frames: the first run of each input size allocates and plans, so it is not
   * a live frame's cost. Warms the full square and, when frames are trimmed, 16:9 (most cameras).
   */
  async warmUp(): Promise<void> {
    const w = this.inputWidth;
    const h = this.inputHeight;
    const pad = this.model.manifest.input.letterbox.pad;
    const sources = this.trim ? [[w, h], [16, 9]] : [[w, h]];
    for (const [srcWidth, srcHeight] of sources) {
      const scale = Math.min(w / srcWidth, h / srcHeight);
      await this.run({ data: new Uint8Array(w * h * 3).fill(pad), width: w, height: h, letterbox: { srcWidth, srcHeight, scale, padX: 0, padY: 0 } });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
