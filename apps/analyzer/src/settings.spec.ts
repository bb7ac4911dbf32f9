import { detectorPoolOptions, loadAnalyzerSettings } from './settings';

describe('analyzer settings', () => {
  it('has working defaults: the CPU provider, GPU 0 when CUDA is chosen', () => {
    expect(loadAnalyzerSettings({})).toMatchObject({ EXECUTION_PROVIDER: 'cpu', CUDA_DEVICE_ID: 0, CONCURRENCY: 8, FRAME_DOWNLOAD: 'direct' });
  });

  it('runs the detector pool on the provider and GPU it is given', () => {
    const s = loadAnalyzerSettings({ EXECUTION_PROVIDER: 'cuda', CUDA_DEVICE_ID: '3', DETECTOR_THREADS: '2', CONCURRENCY: '4' });
    expect(detectorPoolOptions(s)).toEqual({ size: 2, executionProvider: 'cuda', deviceId: 3, scoreThreshold: 0.1, maxQueue: 8 });
  });

  it("takes the frame bytes' own Redis, unset by default (then REDIS_URL), and refuses one that is not redis:// without printing its password", () => {
    expect(loadAnalyzerSettings({}).FRAME_REDIS_URL).toBeUndefined();
    expect(loadAnalyzerSettings({ FRAME_REDIS_URL: 'redis://redis-frames:6379/2' }).FRAME_REDIS_URL).toBe('redis://redis-frames:6379/2');
    expect(() => loadAnalyzerSettings({ FRAME_REDIS_URL: 'https://xl:S3cret@frames' })).toThrow(/FRAME_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL, not 'https:'/);
    expect(() => loadAnalyzerSettings({ FRAME_REDIS_URL: 'https://xl:S3cret@frames' })).not.toThrow(/S3cret/);
  });

  it('names the variable of a GPU index out of range or not a number', () => {
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: '16' })).toThrow(/CUDA_DEVICE_ID/);
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: '-1' })).toThrow(/CUDA_DEVICE_ID/);
    expect(() => loadAnalyzerSettings({ CUDA_DEVICE_ID: 'first' })).toThrow(/CUDA_DEVICE_ID/);
  });
});
