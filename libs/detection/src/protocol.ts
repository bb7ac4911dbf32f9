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
  | { type: 'result'; id: number; result: FrameResult }
  | { type: 'error'; id: number; message: string };
