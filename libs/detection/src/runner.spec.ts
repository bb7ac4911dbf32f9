import { inferenceRows, sessionOptions } from './runner';

const frame = (srcWidth: number, srcHeight: number) => ({
  width: 416,
  height: 416,
  letterbox: { srcWidth, srcHeight, scale: Math.min(416 / srcWidth, 416 / srcHeight), padX: 0, padY: 0 },
});

describe('inferenceRows', () => {
  it('runs a landscape frame on its picture rows rounded up to the largest stride', () => {
    expect(inferenceRows(frame(1920, 1080), [8, 16, 32], true)).toBe(256); // 234 picture rows
    expect(inferenceRows(frame(640, 480), [8, 16, 32], true)).toBe(320); // 312
    expect(inferenceRows(frame(2560, 720), [8, 16, 32], true)).toBe(128); // 117
  });

  it('runs the whole input for square and portrait pictures, and when trimming is off', () => {
    expect(inferenceRows(frame(1000, 1000), [8, 16, 32], true)).toBe(416);
    expect(inferenceRows(frame(1080, 1920), [8, 16, 32], true)).toBe(416);
    expect(inferenceRows(frame(1920, 1080), [8, 16, 32], false)).toBe(416);
  });
});

describe('sessionOptions', () => {
  const base = { trimPadding: true, scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 100 };

  it('puts a CUDA session on the GPU it is given, with no CPU fallback', () => {
    expect(sessionOptions({ ...base, executionProvider: 'cuda', deviceId: 3 }).executionProviders).toEqual([{ name: 'cuda', deviceId: 3 }]);
  });

  it('runs a CPU session on one thread, sequentially', () => {
    expect(sessionOptions({ ...base, executionProvider: 'cpu', deviceId: 3 })).toMatchObject({ executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
  });
});
