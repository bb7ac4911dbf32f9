export type { Detector, DetectorFrame, FrameResult, InferenceMetrics, RunnerOptions, PoolOptions } from './types';
export { runnerOptionsSchema, poolOptionsSchema } from './types';
export {
  manifestSchema,
  parseManifest,
  readManifest,
  loadModel,
  type ModelManifest,
  type LoadedModel,
} from './manifest';
export { YoloxDecoder, type YoloxGeometry, type Candidates } from './yolox';
export { nms } from './nms';
export { postprocess, type PostprocessOptions } from './postprocess';
export { FrameRunner, sessionOptions } from './runner';
export {
  PoolDetector,
  createPoolDetector,
  DetectorBusyError,
  workerEntry,
  type DetectorHooks,
  type PoolStats,
} from './pool';
export { InProcessDetector, createInProcessDetector, detectInProcess } from './in-process';
