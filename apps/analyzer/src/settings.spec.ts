import { detectorPoolOptions, loadAnalyzerSettings } from './settings';

describe('analyzer settings', () => {
  it('has working defaults: the CPU provider, GPU 0 when CUDA is chosen', () => {
    expect(loadAnalyzerSettings({})).toMatchObject({ EXECUTION_PROVIDER: 'cpu', CUDA_DEVICE_ID: 0, CONCURRENCY: 8, FRAME_DOWNLOAD: 'direct' });
  });

  it('runs the detector pool on the provider and GPU it is given', () => {
    const s = loadAnalyzerSettings({ EXECUTION_PROVIDER: 'cuda', CUDA_DEVICE_ID: '3', DETECTOR_THREADS: '2', CONCURRENCY: '4' });
    expect(detectorPoolOptions(s)).toEqual({ size: 2, executionProvider: 'cuda', deviceId: 3, scoreThreshold: 0.1, maxQueue: 8 });
  });

  it('names the variable of a GPU index out of range or not a number', () => {
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: '16' })).toThrow(/CUDA_DEVICE_ID/);
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: '-1' })).toThrow(/CUDA_DEVICE_ID/);
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: 'first' })).toThrow(/CUDA_DEVICE_ID/);
  });
});
