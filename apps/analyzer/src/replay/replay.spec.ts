import { createInProcessDetector, type LoadedModel } from '@xl/detection';
import { detectorPoolOptions, loadAnalyzerSettings } from '../settings';
import { createReplayDetector } from './replay';

jest.mock('@xl/detection', () => ({ ...jest.requireActual('@xl/detection'), createInProcessDetector: jest.fn(async () => ({ close: async () => undefined })) }));

describe('replay', () => {
  it("detects with the analyzer's options, less where and how many sessions run: replay answers as production does", async () => {
    const model = { manifest: { name: 'yolox_nano' } } as unknown as LoadedModel;
    await createReplayDetector(model);
    // Left out: where and how many sessions run. The rest is what the detector keeps.
    const { size: _size, maxQueue: _maxQueue, executionProvider: _provider, deviceId: _device, ...keeps } = detectorPoolOptions(loadAnalyzerSettings({}));
    expect(keeps).toHaveProperty('scoreThreshold'); // the rules' low-score boats and the tracker's second stage
    expect(createInProcessDetector).toHaveBeenCalledWith(model, keeps);
  });
});
