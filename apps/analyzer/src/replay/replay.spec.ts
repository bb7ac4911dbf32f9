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

describe('replayClip', () => {
  it('starts tracks and rule timers afresh across a gap longer than the state gap, as the frame job does', async () => {
    jest.resetModules();
    jest.doMock('./file-frame-source', () => ({
      probeVideoSize: async () => ({ width: 640, height: 360 }),
      readClipFrames: async function* () {
        for (let index = 0; index < 10; index++) yield { index, data: new Uint8Array(416 * 416 * 3) };
      },
    }));
    const carries: string[] = [];
    const { FrameAnalyzer } = await import('../pipeline/frame-analyzer');
    jest.spyOn(FrameAnalyzer.prototype, 'analyze').mockImplementation(async (frame, _runtime, _saved, carry) => {
      carries.push(carry ?? 'all');
      return { state: { capturedAt: frame.capturedAt }, events: [] } as never;
    });
    const { replayClip } = await import('./replay');
    const { parseCamera } = await import('@xl/config');
    const camera = parseCamera({ id: 'pond', url: 'rtsp://cam/sub', fps: 1 });
    // Frames at 0–9 s; those of 2–6 s never arrive: a 5 s gap, over a 3 s state gap.
    const replay = replayClip({ clip: 'clip.mp4', camera, detector: {} as never, fps: 1, startAt: 0, inputWidth: 416, inputHeight: 416, missing: (t) => t >= 2 && t <= 6, maxStateGapMs: 3000 });
    for await (const _ of replay) void _;
    expect(carries).toEqual(['all', 'all', 'learned', 'all', 'all']);
  });
});
