import type { AlertEvent, DifferenceSample, FrameJob } from '@xl/contracts';
import { parseCamera } from '@xl/config';
import type { Detector } from '@xl/detection';
import { FrameJobProcessor } from '../frame-job.processor';
import { AnalyzerMetrics } from '../metrics';
import { CameraRuntime } from './camera-runtime';
import { FrameAnalyzer, type AnalysisState } from './frame-analyzer';

// A frozen picture has no motion, so ingest forwards only one heartbeat per heartbeatSeconds (5 s
// here) and sends the differences of the sampled frames it skipped along in `earlierDifferences`.
// The processor (frame-job.processor.ts) and the analyzer (frame-analyzer.ts) must both pass them on
// to the rules: judged on the heartbeats alone (1.5 s counted per gap), camera_frozen (6 s) came
// 14.75 s after the freeze instead of 9.75 s, and at a 30 s heartbeat 89 s instead of 29 s.

const W = 32;
const H = 32;
const T0 = 1_800_000_000_000;
const FROZEN_FROM = T0 + 20_000;
const SAMPLE_MS = 250; // ingest samples at 4 fps
const HEARTBEAT_MS = 5000;
const camera = parseCamera({ id: 'pond', url: 'rtsp://h/x', fps: 4, zones: [{ id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
const nobody: Detector = {
  detect: async () => [],
  detectKeepingFrame: async (f) => ({ detections: [], data: f.data }),
  close: async () => undefined,
};

/** One forwarded frame: its capture time, its own difference and those of the frames skipped before it. */
type Send = (capturedAt: number, difference: number, earlierDifferences: DifferenceSample[]) => Promise<Array<{ rule: string; kind: string }>>;

/**
 * 20 s of live picture with every frame forwarded, then a frozen one: a heartbeat every 5 s carrying
 * the 19 zero differences sampled since the previous one. Seconds after the freeze at which
 * camera_frozen was created (stops at the first).
 */
async function frozenAfter(send: Send): Promise<number[]> {
  for (let t = T0; t < FROZEN_FROM; t += SAMPLE_MS) await send(t, 2, []);
  const raised: number[] = [];
  for (let heartbeat = FROZEN_FROM + HEARTBEAT_MS - SAMPLE_MS; heartbeat <= FROZEN_FROM + 40_000 && !raised.length; heartbeat += HEARTBEAT_MS) {
    const skipped = Array.from({ length: HEARTBEAT_MS / SAMPLE_MS - 1 }, (_, i) => ({ at: heartbeat - HEARTBEAT_MS + SAMPLE_MS + i * SAMPLE_MS, difference: 0 }));
    const events = await send(heartbeat, 0, skipped);
    if (events.some((e) => e.rule === 'camera_frozen' && e.kind === 'created')) raised.push((heartbeat - FROZEN_FROM) / 1000);
  }
  return raised;
}

/** The first heartbeat past camera_frozen's 6 s of frozen picture; from heartbeats alone not before 14.75 s. */
const FIRST_HEARTBEAT_PAST_6_S = 9.75;

describe('differences of the frames ingest skipped', () => {
  it('reach the frozen-picture rule through the analyzer', async () => {
    const analyzer = new FrameAnalyzer(nobody);
    const runtime = new CameraRuntime(camera);
    let state: AnalysisState | null = null;
    const raised = await frozenAfter(async (capturedAt, difference, earlierDifferences) => {
      const data = new Uint8Array(W * H * 3).fill(100);
      const letterbox = { srcWidth: W, srcHeight: H, scale: 1, padX: 0, padY: 0 };
      const result = await analyzer.analyze({ cameraId: 'pond', seq: capturedAt - T0, capturedAt, data, width: W, height: H, letterbox, difference, earlierDifferences }, runtime, state);
      state = result.state;
      return result.events;
    });
    expect(raised).toEqual([FIRST_HEARTBEAT_PAST_6_S]);
  });

  it('reach the frozen-picture rule from the frame job, through the processor and the analyzer', async () => {
    let now = T0;
    let saved: AnalysisState | null = null;
    const emitted: AlertEvent[] = [];
    const runtime = new CameraRuntime(camera);
    // The real analyzer and rules; every port the processor talks to held in memory.
    const processor = new FrameJobProcessor(
      new FrameAnalyzer(nobody),
      { runtime: (id) => (id === 'pond' ? runtime : undefined), onRemoved: () => undefined },
      { drop: async () => undefined, takeInto: async (_key, into) => into(W * H * 3).fill(100) },
      { release: async () => true, renew: async () => true },
      { mark: async () => undefined },
      { load: async () => saved, save: async (_camera, state) => ((saved = state), true) },
      { emit: async (e) => void emitted.push(e) },
      { save: async (cameraId, name) => `${cameraId}/${name}.jpg` },
      { put: async () => undefined },
      { mark: async () => undefined, forget: async () => undefined },
      new AnalyzerMetrics(),
      { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
      { maxFrameAgeMs: 3000, hotTtlMs: 5000, maxStateGapMs: 60_000, pictureIntervalMs: 0, pictureTtlMs: 20_000, snapshotTimeoutMs: 10_000 },
      () => now,
    );
    const raised = await frozenAfter(async (capturedAt, difference, earlierDifferences) => {
      now = capturedAt + 50; // picked up at once
      const before = emitted.length;
      const job: FrameJob = {
        cameraId: 'pond',
        seq: capturedAt - T0,
        capturedAt,
        key: `xl:frame:{pond}:${capturedAt - T0}`,
        width: W,
        height: H,
        rows: H,
        pixelFormat: 'bgr24',
        letterbox: { srcWidth: W, srcHeight: H, scale: 1, padX: 0, padY: 0 },
        reason: earlierDifferences.length ? 'heartbeat' : 'motion',
        motion: 0,
        difference,
        earlierDifferences,
        ingestId: 'i1',
      };
      expect(await processor.process(job)).toBe('analysed');
      return emitted.slice(before);
    });
    expect(raised).toEqual([FIRST_HEARTBEAT_PAST_6_S]);
  });
});
