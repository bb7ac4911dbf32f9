import { presetCameraSeries } from './ingest.app';
import { IngestMetrics } from './metrics';

describe('presetCameraSeries', () => {
  it("starts a taken camera's behind_live series at 0: XlCameraUplinkTooSlow's increase() then sees its first reconnect", async () => {
    const metrics = new IngestMetrics();
    presetCameraSeries(metrics, 'cam-1');
    const text = await metrics.registry.metrics();
    expect(text).toContain('xl_ffmpeg_restarts_total{camera="cam-1",reason="behind_live"} 0\n');
    expect(text).toContain('xl_recording_interruptions_total{camera="cam-1",reason="behind_live"} 0\n');
    metrics.restart('cam-1', 'behind_live');
    presetCameraSeries(metrics, 'cam-1'); // taken again: the count stays
    expect(await metrics.registry.metrics()).toContain('xl_ffmpeg_restarts_total{camera="cam-1",reason="behind_live"} 1\n');
  });
});
