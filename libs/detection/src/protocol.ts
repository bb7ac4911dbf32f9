// Messages between the pool (main thread) and its worker threads.
import type { LoadedModel } from './manifest';
import type { DetectorFrame, FrameResult, RunnerOptions } from './types';

export interface WorkerInit {
  model: LoadedModel;
  options: RunnerOptions;
}

export type ToWorker = { type: 'detect'; id: number; frame: DetectorFrame };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  /** `data`: the frame's pixels, transferred back so the caller can keep using them. */
  | { type: 'result'; id: number; result: FrameResult; data: Uint8Array }
  | { type: 'error'; id: number; message: string };
