import * as ort from 'onnxruntime-node';
import { bgrToNchw } from '@xl/vision';
import type { LoadedModel } from './manifest';
import { postprocess, type PostprocessOptions } from './postprocess';
import {
  resolveRunnerOptions,
  type DetectorFrame,
  type FrameResult,
  type ResolvedRunnerOptions,
  type RunnerOptions,
} from './types';
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

/**
 * One onnxruntime session with its reusable input tensor and decoder: letterboxed bgr24 frame in,
 * detections in normalized frame coordinates out. Not re-entrant: callers run one frame at a time
 * (the pool gives each worker thread its own runner; the in-process detector chains its calls).
 */
export class FrameRunner {
  private readonly input: Float32Array;
  private readonly tensor: ort.Tensor;
  private readonly decoder: YoloxDecoder;
  private readonly post: PostprocessOptions;

  private constructor(
    private readonly model: LoadedModel,
    private readonly session: ort.InferenceSession,
    opts: ResolvedRunnerOptions,
  ) {
    const { input, output, labels } = model.manifest;
    const [, , h, w] = input.shape;
    this.input = new Float32Array(3 * h * w);
    this.tensor = new ort.Tensor('float32', this.input, input.shape);
    this.decoder = new YoloxDecoder({
      inputWidth: w,
      inputHeight: h,
      strides: output.strides,
      numClasses: labels.length,
      scoresActivated: output.scoresActivated,
    });
    this.post = {
      scoreThreshold: opts.scoreThreshold,
      iouThreshold: opts.iouThreshold,
      maxDetections: opts.maxDetections,
    };
  }

  static async create(model: LoadedModel, options: RunnerOptions = {}): Promise<FrameRunner> {
    const opts = resolveRunnerOptions(options);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model.modelPath, sessionOptions(opts));
    } catch (err) {
      throw new Error(
        `model ${model.manifest.name}: cannot create an onnxruntime session (${opts.executionProvider}): ${(err as Error).message}`,
      );
    }
    const { input, output } = model.manifest;
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
    bgrToNchw(frame.data, frame.width, frame.height, this.input);
    const t1 = performance.now();
    const { input, output, labels } = this.model.manifest;
    const results = await this.session.run({ [input.name]: this.tensor });
    const t2 = performance.now();
    const raw = results[output.name].data as Float32Array;
    const detections = postprocess(this.decoder, raw, frame.letterbox, labels, this.post);
    const t3 = performance.now();
    return {
      detections,
      preprocessSeconds: (t1 - t0) / 1e3,
      inferenceSeconds: (t2 - t1) / 1e3,
      postprocessSeconds: (t3 - t2) / 1e3,
    };
  }

  /** One run on a padding-only frame: the first run allocates and plans, so it is not a live frame's cost. */
  async warmUp(): Promise<void> {
    const w = this.inputWidth;
    const h = this.inputHeight;
    const pad = this.model.manifest.input.letterbox.pad;
    await this.run({
      data: new Uint8Array(w * h * 3).fill(pad),
      width: w,
      height: h,
      letterbox: { srcWidth: w, srcHeight: h, scale: 1, padX: 0, padY: 0 },
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
