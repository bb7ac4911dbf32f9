import os from 'node:os';
import { resolvePoolOptions, resolveRunnerOptions } from './types';

describe('detector options', () => {
  it('defaults to CPU, one worker per core, padding rows trimmed, score 0.25, IoU 0.45, 100 detections, a hung run given up after 30 s, a hung start after 120 s', () => {
    expect(resolvePoolOptions({})).toEqual({
      executionProvider: 'cpu',
      deviceId: 0,
      trimPadding: true,
      scoreThreshold: 0.25,
      iouThreshold: 0.45,
      maxDetections: 100,
      size: os.availableParallelism(),
      runTimeoutMs: 30_000,
      startTimeoutMs: 120_000,
    });
    expect(() => resolvePoolOptions({ runTimeoutMs: 0 })).toThrow(/runTimeoutMs: .*>=1/);
    // Under a second is most likely seconds written as milliseconds: a CUDA start alone takes longer.
    expect(() => resolvePoolOptions({ startTimeoutMs: 120 })).toThrow(/startTimeoutMs: .*>=1000/);
    expect(() => resolvePoolOptions({ startTimeoutMs: 600_001 })).toThrow(/startTimeoutMs: .*<=600000/);
  });

  it('rejects unknown keys and values out of bounds, naming the field', () => {
    expect(() => resolveRunnerOptions({ scoreThreshold: 1.5 })).toThrow(/detector options: scoreThreshold: .*<=1/);
    expect(() => resolvePoolOptions({ size: 0 })).toThrow(/size: .*>=1/);
    expect(() => resolveRunnerOptions({ executionProvider: 'tpu' as 'cpu' })).toThrow(/executionProvider/);
    expect(() => resolveRunnerOptions({ threads: 4 } as object)).toThrow(/threads/);
  });
});
